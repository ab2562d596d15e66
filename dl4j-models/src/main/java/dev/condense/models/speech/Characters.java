package dev.condense.models.speech;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The symbols a CTC head spells English transcripts with, as in LibriSpeech's character recipes: the blank
 * ({@link #BLANK}), then space, a-z and the apostrophe. LibriSpeech's upper-case transcripts and LJSpeech's
 * punctuated, mixed-case ones both {@link #normalise} onto them, so references and hypotheses are compared in one
 * spelling.
 */
public final class Characters {

    /** The id of CTC's blank, which emits nothing; the CTC loss and decoder take it from here. */
    public static final int BLANK = 0;
    /** Each symbol's text by id; id 0 is the blank, which has no text of its own. */
    public static final List<String> SYMBOLS;
    private static final String SPELLED = " abcdefghijklmnopqrstuvwxyz'";

    static {
        List<String> symbols = new ArrayList<>();
        symbols.add("<blank>");
        for (char c : SPELLED.toCharArray()) {
            symbols.add(String.valueOf(c));
        }
        SYMBOLS = Collections.unmodifiableList(symbols);
    }

    private Characters() {
    }

    /** How many symbols, blank included: the CTC head's width. */
    public static int count() {
        return SYMBOLS.size();
    }

    /**
     * Lower case, accents dropped, typographic apostrophes straightened, hyphens and dashes as spaces (LJSpeech's
     * "fifteen-sixty"), every other character outside the set removed, runs of spaces collapsed.
     */
    public static String normalise(String text) {
        String plain = Normalizer.normalize(text, Normalizer.Form.NFD).toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder(plain.length());
        for (int i = 0; i < plain.length(); i++) {
            char c = plain.charAt(i);
            if (c == '\u2019' || c == '\u2018') {
                c = '\'';
            }
            if (Character.isWhitespace(c) || c == '-' || c == '\u2013' || c == '\u2014') {
                if (out.length() > 0 && out.charAt(out.length() - 1) != ' ') {
                    out.append(' ');
                }
            } else if (SPELLED.indexOf(c) > 0) {
                out.append(c);
            }
        }
        return out.toString().strip();
    }

    /** A normalised transcript's symbol ids; the blank never appears in one. */
    public static int[] encode(String normalised) {
        int[] ids = new int[normalised.length()];
        for (int i = 0; i < ids.length; i++) {
            int at = SPELLED.indexOf(normalised.charAt(i));
            if (at < 0) {
                throw new IllegalArgumentException("'" + normalised.charAt(i) + "' is not one of the transcript "
                        + "characters (space, a-z, apostrophe); normalise the text first");
            }
            ids[i] = at + 1;
        }
        return ids;
    }

    /** The text a sequence of symbol ids spells (blanks, if any, are skipped). */
    public static String decode(int[] ids) {
        StringBuilder out = new StringBuilder(ids.length);
        for (int id : ids) {
            if (id != BLANK) {
                out.append(SPELLED.charAt(id - 1));
            }
        }
        return out.toString();
    }
}
