package dev.condense.spark.settings;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed, range-checked reads from a {@link Config}, each error naming the full key path, the bad value and what
 * was expected. Keeps the validation rules out of the settings records' construction code.
 */
final class SettingsReader {

    private final Config config;
    private final String prefix;

    SettingsReader(Config config, String prefix) {
        this.config = config;
        this.prefix = prefix;
    }

    SettingsReader at(String path) {
        return new SettingsReader(config.getConfig(path), prefix + path + ".");
    }

    /** The objects of a list, each with its indexed path ({@code groups[0].}) for messages. */
    List<SettingsReader> objects(String key) {
        List<? extends Config> list = read(key, "a list of objects", () -> config.getConfigList(key));
        List<SettingsReader> out = new java.util.ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(new SettingsReader(list.get(i), prefix + key + "[" + i + "]."));
        }
        return out;
    }

    /** Fails on any key of this object outside {@code allowed}. */
    void onlyKeys(Set<String> allowed) {
        for (String k : config.root().keySet()) {
            if (!allowed.contains(k)) {
                throw new SettingsException("unknown setting " + prefix + k + "; allowed here: "
                        + new TreeSet<>(allowed));
            }
        }
    }

    boolean has(String key) {
        return config.hasPath(key);
    }

    List<Integer> ints(String key) {
        return read(key, "a list of integers", () -> config.getIntList(key));
    }

    String path(String key) {
        return prefix + key;
    }

    String string(String key) {
        return read(key, "a string", () -> config.getString(key));
    }

    String oneOf(String key, Set<String> allowed) {
        String v = string(key);
        if (!allowed.contains(v)) {
            throw bad(key, v, "one of " + allowed);
        }
        return v;
    }

    boolean bool(String key) {
        return read(key, "true or false", () -> config.getBoolean(key));
    }

    List<String> strings(String key) {
        return read(key, "a list of strings", () -> config.getStringList(key));
    }

    int intAtLeast(String key, int min) {
        int v = read(key, "an integer", () -> config.getInt(key));
        if (v < min) {
            throw bad(key, v, "an integer >= " + min);
        }
        return v;
    }

    long longValue(String key) {
        return read(key, "an integer", () -> config.getLong(key));
    }

    double positive(String key) {
        double v = number(key);
        if (!(v > 0) || Double.isInfinite(v)) {
            throw bad(key, v, "a finite number > 0");
        }
        return v;
    }

    double inRange(String key, double lo, double hi, boolean hiInclusive) {
        double v = number(key);
        if (!(v >= lo) || (hiInclusive ? v > hi : v >= hi)) {
            throw bad(key, v, "a number in [" + lo + ", " + hi + (hiInclusive ? "]" : ")"));
        }
        return v;
    }

    private double number(String key) {
        return read(key, "a number", () -> config.getDouble(key));
    }

    SettingsException bad(String key, Object value, String expected) {
        return new SettingsException("setting " + prefix + key + " = " + render(value) + " is invalid: expected "
                + expected);
    }

    private <T> T read(String key, String expected, java.util.function.Supplier<T> getter) {
        try {
            return getter.get();
        } catch (ConfigException.Missing e) {
            throw new SettingsException("setting " + prefix + key + " is missing: expected " + expected);
        } catch (ConfigException.WrongType | ConfigException.BadValue e) {
            ConfigValue raw = config.getValue(key);
            throw bad(key, raw.unwrapped(), expected);
        }
    }

    private static String render(Object value) {
        return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }
}
