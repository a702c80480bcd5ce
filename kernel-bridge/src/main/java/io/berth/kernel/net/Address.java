package io.berth.kernel.net;

import java.net.Inet4Address;

/** An IPv4 address of an interface with the length of its subnet prefix ({@code 172.17.0.2/16}). */
public record Address(Inet4Address address, int prefixLength) {

    public Address {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is not within 0..32");
        }
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + prefixLength;
    }
}
