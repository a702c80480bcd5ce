package io.berth.cli;

import java.util.Comparator;

/**
 * The order the docker CLI sorts names and port lines in ({@code sortorder.NaturalLess}): runs of digits
 * compare as numbers ("n2" before "n10"), digits sort before other characters, anything else byte by
 * byte.
 */
final class NaturalOrder implements Comparator<String> {

    static final NaturalOrder INSTANCE = new NaturalOrder();

    private NaturalOrder() {}

    @Override
    public int compare(String a, String b) {
        if (less(a, b)) {
            return -1;
        }
        return less(b, a) ? 1 : 0;
    }

    private static boolean less(String s1, String s2) {
        int i1 = 0;
        int i2 = 0;
        while (i1 < s1.length() && i2 < s2.length()) {
            char c1 = s1.charAt(i1);
            char c2 = s2.charAt(i2);
            boolean digit1 = isDigit(c1);
            boolean digit2 = isDigit(c2);
            if (digit1 != digit2) {
                return digit1;
            }
            if (!digit1) {
                if (c1 != c2) {
                    return c1 < c2;
                }
                i1++;
                i2++;
                continue;
            }
            while (i1 < s1.length() && s1.charAt(i1) == '0') {
                i1++;
            }
            while (i2 < s2.length() && s2.charAt(i2) == '0') {
                i2++;
            }
            int start1 = i1;
            int start2 = i2;
            while (i1 < s1.length() && isDigit(s1.charAt(i1))) {
                i1++;
            }
            while (i2 < s2.length() && isDigit(s2.charAt(i2))) {
                i2++;
            }
            if (i1 - start1 != i2 - start2) {
                return i1 - start1 < i2 - start2; // the shorter number is the smaller
            }
            int byDigits = s1.substring(start1, i1).compareTo(s2.substring(start2, i2));
            if (byDigits != 0) {
                return byDigits < 0;
            }
            if (start1 != start2) {
                return start1 < start2; // equal numbers: fewer leading zeros first
            }
        }
        return s1.length() < s2.length();
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
