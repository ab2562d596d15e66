package dev.condense.spark.settings;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderClasspath;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigObject;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;

/**
 * How a config file's {@code include}s are read: a file (or a plain {@code include "other.conf"}) relative to the
 * including file, through the Hadoop FileSystem API like the file itself, and required to exist; a classpath
 * resource likewise required; a URL refused. Typesafe Config's own includer fetches URLs and silently skips missing
 * files, so a typo in an include, or a settings file that pulls code-path values from the network, would pass
 * unnoticed.
 */
final class ConfigIncludes implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL, ConfigIncluderClasspath {

    /** The including file's directory, or null when it has none (settings given as text). */
    private final Path base;
    private final String origin;

    ConfigIncludes(String origin) {
        this.origin = origin;
        this.base = origin.contains("/") ? new Path(origin).getParent() : null;
    }

    @Override
    public ConfigIncluder withFallback(ConfigIncluder fallback) {
        return this;
    }

    @Override
    public ConfigObject include(ConfigIncludeContext context, String what) {
        return file(context, what);
    }

    @Override
    public ConfigObject includeFile(ConfigIncludeContext context, File what) {
        return file(context, what.getPath());
    }

    @Override
    public ConfigObject includeURL(ConfigIncludeContext context, URL what) {
        throw new SettingsException(origin + ": include url(\"" + what + "\") is not allowed; settings are read from "
                + "files only (copy it next to the config and include it as a file)");
    }

    @Override
    public ConfigObject includeResources(ConfigIncludeContext context, String what) {
        InputStream in = ConfigIncludes.class.getClassLoader().getResourceAsStream(what);
        if (in == null) {
            throw new SettingsException(origin + ": include classpath(\"" + what + "\"): no such resource");
        }
        try (in) {
            return parse(context, new String(in.readAllBytes(), StandardCharsets.UTF_8), "classpath:" + what);
        } catch (IOException e) {
            throw new SettingsException(origin + ": cannot read include classpath(\"" + what + "\"): "
                    + e.getMessage(), e);
        }
    }

    private ConfigObject file(ConfigIncludeContext context, String what) {
        Path path = new Path(what).isAbsolute() || base == null ? new Path(what) : new Path(base, what);
        try {
            FileSystem fs = path.getFileSystem(new Configuration());
            if (!fs.exists(path)) {
                throw new SettingsException(origin + ": included file " + path + " does not exist");
            }
            try (InputStream in = fs.open(path)) {
                return parse(context, new String(in.readAllBytes(), StandardCharsets.UTF_8), path.toString());
            }
        } catch (IOException e) {
            throw new SettingsException(origin + ": cannot read included file " + path + ": " + e.getMessage(), e);
        }
    }

    /** Parses an included text with these same rules for its own includes, relative to where it lives. */
    private static ConfigObject parse(ConfigIncludeContext context, String text, String where) {
        return ConfigFactory.parseString(text, context.parseOptions().setOriginDescription(where)
                .setIncluder(new ConfigIncludes(where))).root();
    }
}
