package io.berth.kernel.cgroup;

import java.util.BitSet;

/** The kernel's list format for cpuset.cpus / cpuset.mems: "0-3,6,8-9"; "" is the empty set. */
final class CpuList {

    private CpuList() {
    }

    /** Parses a list; throws IllegalArgumentException on anything the kernel would not accept. */
    static BitSet parse(String list) {
        BitSet set = new BitSet();
        String s = list.strip();
        if (s.isEmpty()) {
            return set;
        }
        for (String part : s.split(",", -1)) {
            if (part.isEmpty()) {
                throw new IllegalArgumentException("empty element");
            }
            int dash = part.indexOf('-');
            int lo;
            int hi;
            if (dash < 0) {
                lo = hi = number(part);
            } else {
                lo = number(part.substring(0, dash));
                hi = number(part.substring(dash + 1));
                if (hi < lo) {
                    throw new IllegalArgumentException("range " + part + " is reversed");
                }
            }
            set.set(lo, hi + 1);
        }
        return set;
    }

    private static int number(String s) {
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("\"" + s + "\" is not a cpu number");
        }
        return Integer.parseInt(s);
    }

    /** True when every cpu in {@code child} is in {@code parent}. */
    static boolean isSubset(BitSet child, BitSet parent) {
        BitSet c = (BitSet) child.clone();
        c.andNot(parent);
        return c.isEmpty();
    }
}
