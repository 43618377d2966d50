package org.descent.util;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * JSON reading and writing with one strict configuration, so that no input is silently reinterpreted: unknown keys,
 * duplicate keys, trailing text after the value, numbers given as strings (or strings as numbers, booleans as
 * numbers), fractional values for integer keys and {@code null} for numbers are all errors that name the key. Output
 * is indented.
 */
public final class Json {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfigDefaults(c -> c
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            // a number is a number: integers may be given where a floating-point value is expected ("lr": 1)
            .withCoercionConfig(LogicalType.Float, c -> c.setCoercion(CoercionInputShape.Integer,
                    CoercionAction.TryConvert))
            // strings stay strings: they are never parsed as numbers or booleans (above), nor made from them
            .withCoercionConfig(LogicalType.Textual, c -> c
                    .setCoercion(CoercionInputShape.String, CoercionAction.TryConvert)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.TryConvert))
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    private Json() {}

    /** The shared, immutable-after-construction mapper. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName() + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Reads {@code file} as {@code type}; any problem (missing file, a folder, bad JSON, unknown, duplicate or
     * mistyped key, invalid value) becomes an {@link IllegalArgumentException} whose one-line message names the file,
     * the key and the problem.
     */
    public static <T> T read(Path file, Class<T> type) {
        requireFile(file, "file");
        try {
            return MAPPER.readValue(file.toFile(), type);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + describe(e), e);
        }
    }

    /**
     * Checks that {@code file} is a readable regular file; {@code what} names it in the message ("config file").
     *
     * @throws IllegalArgumentException "no such ..." or "is a folder, not a ..."
     */
    public static void requireFile(Path file, String what) {
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(file + " is a folder, not a " + what);
        }
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(file + ": no such " + what);
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + " is not a regular file (" + what + " expected)");
        }
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(file + ": cannot read the " + what + " (permission denied)");
        }
    }

    /**
     * A one-line description of a JSON problem that names the key (as a dotted path, e.g. {@code train.steps}) and
     * leaves out Jackson's internal advice (class names, "set DeserializationConfig...", source locations).
     */
    public static String describe(IOException e) {
        if (e instanceof UnrecognizedPropertyException u) {
            return "unknown key \"" + path(u) + "\" (known: " + u.getKnownPropertyIds().stream().map(String::valueOf)
                    .sorted().collect(Collectors.joining(", ", "[", "]")) + ")";
        }
        if (e instanceof ValueInstantiationException v) {
            Throwable cause = v.getCause() != null ? v.getCause() : v;
            return firstLine(cause.getMessage());
        }
        if (e instanceof JsonMappingException m && m.getCause() instanceof IllegalArgumentException iae) {
            return firstLine(iae.getMessage());
        }
        String message = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        message = cleanAdvice(firstLine(message));
        if (message.startsWith("Duplicate field") || message.startsWith("Duplicate Object property")) {
            return "duplicate key " + message.replaceFirst("^Duplicate (field|Object property) ", "")
                    .replace('\'', '"') + " (each key may appear once)";
        }
        if (message.startsWith("Trailing token")) {
            return "unexpected text after the JSON value" + at(e) + " (a file holds one JSON value)";
        }
        java.util.regex.Matcher nul = NULL.matcher(message);
        if (nul.find()) {
            message = "expected " + expected(nul.group(1)) + ", got null";
        }
        java.util.regex.Matcher coerce = COERCION.matcher(message);
        if (coerce.find()) {
            message = "expected " + expected(coerce.group(3)) + ", got " + given(coerce.group(1), coerce.group(2));
        }
        if (e instanceof MismatchedInputException m && !m.getPath().isEmpty()) {
            return "key \"" + path(m) + "\": " + message;
        }
        if (e instanceof JsonProcessingException && !(e instanceof JsonMappingException)) {
            return "not valid JSON" + at(e) + ": " + message;
        }
        return message;
    }

    private static final java.util.regex.Pattern NULL = java.util.regex.Pattern.compile("Cannot map `null` into type "
            + "(\\w+)");
    private static final java.util.regex.Pattern COERCION =
            java.util.regex.Pattern.compile("cannot use (String|Floating-point|Integer|Boolean) \\((.*)\\) to (\\w+)");

    private static String expected(String type) {
        return switch (type.toLowerCase(java.util.Locale.ROOT)) {
            case "int", "integer", "long", "short" -> "an integer";
            case "double", "float", "number" -> "a number";
            case "boolean" -> "true or false";
            case "string" -> "a string";
            default -> "a " + type;
        };
    }

    private static String given(String kind, String value) {
        return switch (kind) {
            case "String" -> "the string " + value;
            case "Floating-point" -> "the fractional number " + value;
            case "Integer" -> "the number " + value;
            default -> value;
        };
    }

    private static String at(IOException e) {
        if (e instanceof JsonProcessingException j && j.getLocation() != null && j.getLocation().getLineNr() > 0) {
            return " at line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr();
        }
        return "";
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /** Drops Jackson's advice to programmers: "(set DeserializationConfig...)", "(or enable ...)", class names. */
    static String cleanAdvice(String message) {
        String m = message
                .replaceAll("\\s*\\((?:set|or|but|to allow|enable|through|for|because)[^()]*(?:\\([^()]*\\)[^()]*)*\\)",
                        "")
                .replaceAll("`java\\.lang\\.(Integer|Long|Double|Float|Boolean|String)`", "$1")
                .replaceAll("`(int|long|double|float|boolean)`", "$1")
                .replaceAll("`[a-z][\\w.]*\\.([A-Z]\\w*)(\\$\\w+)?`", "$1")
                                .replace("Cannot coerce", "cannot use")
                .replace("Cannot deserialize value of type", "expected")
                .replace(" value (", " (")
                .strip();
        return m.endsWith(":") ? m.substring(0, m.length() - 1) : m;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).strip();
    }
}
