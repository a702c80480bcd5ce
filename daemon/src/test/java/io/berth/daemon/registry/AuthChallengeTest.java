package io.berth.daemon.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthChallengeTest {

    @Test
    void bearerWithAScopeThatContainsCommas() {
        List<AuthChallenge> c = AuthChallenge.parse(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/busybox:pull,push\"");
        assertEquals(1, c.size());
        assertEquals("bearer", c.get(0).scheme());
        assertEquals(Map.of("realm", "https://auth.docker.io/token", "service", "registry.docker.io",
                "scope", "repository:library/busybox:pull,push"), c.get(0).params());
    }

    @Test
    void basicAsDistributionSendsIt() {
        AuthChallenge c = AuthChallenge.parse("Basic realm=\"berth-test\"").get(0);
        assertEquals("basic", c.scheme());
        assertEquals("berth-test", c.param("realm"));
    }

    @Test
    void insufficientScopeErrorAndLooseSpacing() {
        AuthChallenge c = AuthChallenge.parse("bearer  Realm = \"http://127.0.0.1:9/token\" , Service=reg ,"
                + " error=\"insufficient_scope\", scope=\"repository:a/b:push\"").get(0);
        assertEquals("bearer", c.scheme());
        assertEquals("http://127.0.0.1:9/token", c.param("realm"));
        assertEquals("reg", c.param("service"));
        assertEquals("insufficient_scope", c.param("error"));
        assertEquals("repository:a/b:push", c.param("scope"));
    }

    @Test
    void severalChallengesInOneHeader() {
        List<AuthChallenge> c = AuthChallenge.parse("Basic realm=\"a, b\", Bearer realm=\"https://t/x\",service=\"s\"");
        assertEquals(2, c.size());
        assertEquals("a, b", c.get(0).param("realm"));
        assertEquals("bearer", c.get(1).scheme());
        assertEquals("https://t/x", AuthChallenge.find(c, "bearer").param("realm"));
        assertEquals("s", c.get(1).param("service"));
    }

    @Test
    void escapesAndOddities() {
        assertEquals("say \"hi\"", AuthChallenge.parse("Basic realm=\"say \\\"hi\\\"\"").get(0).param("realm"));
        assertTrue(AuthChallenge.parse(null).isEmpty());
        assertTrue(AuthChallenge.parse("").isEmpty());
        AuthChallenge bare = AuthChallenge.parse("Negotiate").get(0);
        assertEquals("negotiate", bare.scheme());
        assertTrue(bare.params().isEmpty());
        assertNull(AuthChallenge.find(AuthChallenge.parse("Basic realm=x"), "bearer"));
        // an unterminated quote takes the rest of the header
        assertEquals("open", AuthChallenge.parse("Basic realm=\"open").get(0).param("realm"));
    }
}
