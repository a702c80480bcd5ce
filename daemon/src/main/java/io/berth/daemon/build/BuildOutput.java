package io.berth.daemon.build;

import io.berth.daemon.image.ImageProgress;

/**
 * What a build tells its client as it goes: the legacy builder's text ({@code Step 1/6 : FROM busybox},
 * {@code  ---> Running in ...}, the RUN steps' output), the progress of a pull that FROM needs, and the
 * result's id. Called from the build's thread, in order.
 */
public interface BuildOutput extends ImageProgress {

    /** Text the client prints verbatim (it carries its own newlines). */
    void stream(String text);

    /** The built image's id, passed out of band ({@code --iidfile}; never printed). */
    void imageId(String id);
}
