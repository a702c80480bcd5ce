package io.berth.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.Map;

/**
 * The JSON types that dockerd's Go structs give the fields of a {@code POST /containers/create} body.
 * dockerd decodes the body into typed structs, so {@code "Cmd": {}} or {@code "Memory": "lots"} is a
 * 400 before anything else is looked at; berth keeps the body as a tree, and this class is where the
 * same refusal happens, with Go's wording. Null and unknown fields pass, as they do in Go.
 */
public final class CreateBodyTypes {

    /** A Go type as JSON sees it: the Go name for messages, and what JSON values decode into it. */
    enum GoType {
        STRING("string"), BOOL("bool"), INT64("int64"), INT("int"), UINT16("uint16"),
        STRINGS("[]string"), STR_SLICE("strslice.StrSlice"), STRING_MAP("map[string]string"),
        OBJECT("struct"), ARRAY("[]struct"), SIZE2("[2]uint");

        final String goName;

        GoType(String goName) {
            this.goName = goName;
        }
    }

    private static final Map<String, GoType> CONFIG = Map.ofEntries(
            Map.entry("Hostname", GoType.STRING), Map.entry("Domainname", GoType.STRING),
            Map.entry("User", GoType.STRING), Map.entry("AttachStdin", GoType.BOOL),
            Map.entry("AttachStdout", GoType.BOOL), Map.entry("AttachStderr", GoType.BOOL),
            Map.entry("ExposedPorts", GoType.OBJECT), Map.entry("Tty", GoType.BOOL),
            Map.entry("OpenStdin", GoType.BOOL), Map.entry("StdinOnce", GoType.BOOL),
            Map.entry("Env", GoType.STRINGS), Map.entry("Cmd", GoType.STR_SLICE),
            Map.entry("Healthcheck", GoType.OBJECT), Map.entry("ArgsEscaped", GoType.BOOL),
            Map.entry("Image", GoType.STRING), Map.entry("Volumes", GoType.OBJECT),
            Map.entry("WorkingDir", GoType.STRING), Map.entry("Entrypoint", GoType.STR_SLICE),
            Map.entry("NetworkDisabled", GoType.BOOL), Map.entry("MacAddress", GoType.STRING),
            Map.entry("OnBuild", GoType.STRINGS), Map.entry("Labels", GoType.STRING_MAP),
            Map.entry("StopSignal", GoType.STRING), Map.entry("StopTimeout", GoType.INT),
            Map.entry("Shell", GoType.STR_SLICE), Map.entry("HostConfig", GoType.OBJECT),
            Map.entry("NetworkingConfig", GoType.OBJECT));

    private static final Map<String, GoType> HOST_CONFIG = Map.ofEntries(
            Map.entry("Binds", GoType.STRINGS), Map.entry("ContainerIDFile", GoType.STRING),
            Map.entry("LogConfig", GoType.OBJECT), Map.entry("NetworkMode", GoType.STRING),
            Map.entry("PortBindings", GoType.OBJECT), Map.entry("RestartPolicy", GoType.OBJECT),
            Map.entry("AutoRemove", GoType.BOOL), Map.entry("VolumeDriver", GoType.STRING),
            Map.entry("VolumesFrom", GoType.STRINGS), Map.entry("ConsoleSize", GoType.SIZE2),
            Map.entry("Annotations", GoType.STRING_MAP), Map.entry("CapAdd", GoType.STR_SLICE),
            Map.entry("CapDrop", GoType.STR_SLICE), Map.entry("CgroupnsMode", GoType.STRING),
            Map.entry("Dns", GoType.STRINGS), Map.entry("DnsOptions", GoType.STRINGS),
            Map.entry("DnsSearch", GoType.STRINGS), Map.entry("ExtraHosts", GoType.STRINGS),
            Map.entry("GroupAdd", GoType.STRINGS), Map.entry("IpcMode", GoType.STRING),
            Map.entry("Cgroup", GoType.STRING), Map.entry("Links", GoType.STRINGS),
            Map.entry("OomScoreAdj", GoType.INT), Map.entry("PidMode", GoType.STRING),
            Map.entry("Privileged", GoType.BOOL), Map.entry("PublishAllPorts", GoType.BOOL),
            Map.entry("ReadonlyRootfs", GoType.BOOL), Map.entry("SecurityOpt", GoType.STRINGS),
            Map.entry("StorageOpt", GoType.STRING_MAP), Map.entry("Tmpfs", GoType.STRING_MAP),
            Map.entry("UTSMode", GoType.STRING), Map.entry("UsernsMode", GoType.STRING),
            Map.entry("ShmSize", GoType.INT64), Map.entry("Sysctls", GoType.STRING_MAP),
            Map.entry("Runtime", GoType.STRING), Map.entry("Isolation", GoType.STRING),
            Map.entry("CpuShares", GoType.INT64), Map.entry("Memory", GoType.INT64),
            Map.entry("NanoCpus", GoType.INT64), Map.entry("CgroupParent", GoType.STRING),
            Map.entry("BlkioWeight", GoType.UINT16), Map.entry("BlkioWeightDevice", GoType.ARRAY),
            Map.entry("BlkioDeviceReadBps", GoType.ARRAY), Map.entry("BlkioDeviceWriteBps", GoType.ARRAY),
            Map.entry("BlkioDeviceReadIOps", GoType.ARRAY), Map.entry("BlkioDeviceWriteIOps", GoType.ARRAY),
            Map.entry("CpuPeriod", GoType.INT64), Map.entry("CpuQuota", GoType.INT64),
            Map.entry("CpuRealtimePeriod", GoType.INT64), Map.entry("CpuRealtimeRuntime", GoType.INT64),
            Map.entry("CpusetCpus", GoType.STRING), Map.entry("CpusetMems", GoType.STRING),
            Map.entry("Devices", GoType.ARRAY), Map.entry("DeviceCgroupRules", GoType.STRINGS),
            Map.entry("DeviceRequests", GoType.ARRAY), Map.entry("MemoryReservation", GoType.INT64),
            Map.entry("MemorySwap", GoType.INT64), Map.entry("MemorySwappiness", GoType.INT64),
            Map.entry("OomKillDisable", GoType.BOOL), Map.entry("PidsLimit", GoType.INT64),
            Map.entry("Ulimits", GoType.ARRAY), Map.entry("CpuCount", GoType.INT64),
            Map.entry("CpuPercent", GoType.INT64), Map.entry("IOMaximumIOps", GoType.INT64),
            Map.entry("IOMaximumBandwidth", GoType.INT64), Map.entry("Mounts", GoType.ARRAY),
            Map.entry("MaskedPaths", GoType.STRINGS), Map.entry("ReadonlyPaths", GoType.STRINGS),
            Map.entry("Init", GoType.BOOL));

    private CreateBodyTypes() {
    }

    /**
     * Refuses a create body whose known fields have JSON types that Go would not decode.
     *
     * @throws ApiException 400 with Go's "json: cannot unmarshal ..." message
     */
    public static void check(JsonNode body) {
        checkStruct(body, CONFIG, "ContainerConfigWrapper");
        JsonNode hostConfig = body.get("HostConfig");
        if (hostConfig != null && hostConfig.isObject()) {
            checkStruct(hostConfig, HOST_CONFIG, "ContainerConfigWrapper.HostConfig");
        }
    }

    private static void checkStruct(JsonNode object, Map<String, GoType> fields, String structName) {
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            GoType type = fields.get(field.getKey());
            JsonNode value = field.getValue();
            if (type != null && !value.isNull() && !decodes(value, type)) {
                throw ApiException.invalid("json: cannot unmarshal " + kind(value) + " into Go struct field "
                        + structName + "." + field.getKey() + " of type " + type.goName);
            }
        }
    }

    static boolean decodes(JsonNode value, GoType type) {
        return switch (type) {
            case STRING -> value.isTextual();
            case BOOL -> value.isBoolean();
            case INT64, INT -> value.isIntegralNumber() && value.canConvertToLong();
            case UINT16 -> value.isIntegralNumber() && value.asLong() >= 0 && value.asLong() <= 0xFFFF;
            case STRINGS -> allOf(value, JsonNode::isTextual);
            case STR_SLICE -> value.isTextual() || allOf(value, JsonNode::isTextual);
            case STRING_MAP -> value.isObject() && allValues(value);
            case OBJECT -> value.isObject();
            case ARRAY -> value.isArray();
            case SIZE2 -> value.isArray() && value.size() <= 2 && allOf(value, v -> v.isIntegralNumber() && v.asLong() >= 0);
        };
    }

    private static boolean allOf(JsonNode array, java.util.function.Predicate<JsonNode> element) {
        if (!array.isArray()) {
            return false;
        }
        for (JsonNode e : array) {
            if (!e.isNull() && !element.test(e)) {
                return false;
            }
        }
        return true;
    }

    private static boolean allValues(JsonNode object) {
        for (JsonNode v : object) {
            if (!v.isNull() && !v.isTextual()) {
                return false;
            }
        }
        return true;
    }

    /** Go's name for the kind of JSON value that did not fit: "string", "number 1.5", "object", ... */
    private static String kind(JsonNode value) {
        if (value.isTextual()) {
            return "string";
        }
        if (value.isBoolean()) {
            return "bool";
        }
        if (value.isNumber()) {
            return value.isIntegralNumber() ? "number" : "number " + value.asText();
        }
        return value.isArray() ? "array" : "object";
    }
}
