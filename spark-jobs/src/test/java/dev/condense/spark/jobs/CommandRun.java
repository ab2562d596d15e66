package dev.condense.spark.jobs;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

/** A command run as a scheduler sees it: the exit code, what went to stderr and what went to stdout. */
public record CommandRun(int code, String err, String out) {

    public static CommandRun of(String... args) {
        PrintStream originalErr = System.err;
        PrintStream originalOut = System.out;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        System.setOut(new PrintStream(out, true));
        try {
            int code = Condense.run(args);
            return new CommandRun(code, err.toString(), out.toString());
        } finally {
            System.setErr(originalErr);
            System.setOut(originalOut);
        }
    }
}
