package io.berth.plugin;

import java.util.List;

/**
 * What a driver reports about itself for {@code docker info}: whether it can be used on this host and
 * a few name/value details (backing filesystem, kernel feature checks, versions).
 *
 * @param name    the driver's name as users select it ("overlay", "vfs", "none", "namespaces", ...)
 * @param usable  false when the host lacks what the driver needs; {@code reason} then says what
 * @param reason  empty when usable, otherwise one sentence a user can act on
 * @param details ordered name/value pairs shown under the driver in {@code docker info}
 */
public record DriverStatus(String name, boolean usable, String reason, List<Detail> details) {

    public record Detail(String name, String value) {}

    public DriverStatus {
        reason = reason == null ? "" : reason;
        details = details == null ? List.of() : List.copyOf(details);
    }

    public static DriverStatus usable(String name, List<Detail> details) {
        return new DriverStatus(name, true, "", details);
    }

    public static DriverStatus unusable(String name, String reason) {
        return new DriverStatus(name, false, reason, List.of());
    }
}
