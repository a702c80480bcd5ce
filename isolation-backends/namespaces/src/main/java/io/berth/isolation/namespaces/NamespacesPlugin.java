package io.berth.isolation.namespaces;

import org.pf4j.Plugin;

/** The pf4j plugin holding {@link NamespacesBackend}. */
public class NamespacesPlugin extends Plugin {
}
