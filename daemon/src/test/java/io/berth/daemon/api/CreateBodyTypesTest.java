package io.berth.daemon.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CreateBodyTypesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static void check(String body) throws Exception {
        CreateBodyTypes.check(JSON.readTree(body));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"Image\":\"busybox\",\"Cmd\":[\"echo\",\"hi\"],\"Env\":null,\"Labels\":{\"a\":\"b\"}}",
            "{\"Image\":\"busybox\",\"Cmd\":\"echo hi\",\"Entrypoint\":null,\"Unknown\":{\"x\":1}}",
            "{\"Image\":\"busybox\",\"HostConfig\":{\"Memory\":33554432,\"CapAdd\":null,\"ConsoleSize\":[30,100]}}",
            "{\"Image\":\"busybox\",\"StopTimeout\":null,\"HostConfig\":{\"PidsLimit\":null,\"Init\":null}}",
            "{\"Image\":\"busybox\",\"HostConfig\":{\"Mounts\":[],\"Ulimits\":[],\"Tmpfs\":{\"/run\":\"\"}}}"})
    void whatDockerDecodesPasses(String body) {
        assertDoesNotThrow(() -> check(body));
    }

    @Test
    void anObjectForCmdIsRefusedInGosWords() {
        ApiException e = assertThrows(ApiException.class,
                () -> check("{\"Image\":\"busybox\",\"Cmd\":{\"not\":\"a list\"}}"));
        assertEquals(ApiException.Kind.INVALID, e.kind());
        assertEquals("json: cannot unmarshal object into Go struct field ContainerConfigWrapper.Cmd"
                + " of type strslice.StrSlice", e.getMessage());
    }

    @Test
    void aStringForMemoryIsRefused() {
        ApiException e = assertThrows(ApiException.class,
                () -> check("{\"Image\":\"busybox\",\"HostConfig\":{\"Memory\":\"lots\"}}"));
        assertEquals("json: cannot unmarshal string into Go struct field ContainerConfigWrapper.HostConfig.Memory"
                + " of type int64", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"Tty\":\"yes\"}", "{\"Env\":[\"A=1\",2]}", "{\"Labels\":{\"a\":1}}", "{\"StopTimeout\":1.5}",
            "{\"HostConfig\":{\"Privileged\":1}}", "{\"HostConfig\":{\"BlkioWeight\":70000}}",
            "{\"HostConfig\":{\"ConsoleSize\":[1,2,3]}}", "{\"HostConfig\":{\"Binds\":\"/a:/b\"}}"})
    void otherMistypedFieldsAreRefused(String body) {
        assertThrows(ApiException.class, () -> check(body));
    }
}
