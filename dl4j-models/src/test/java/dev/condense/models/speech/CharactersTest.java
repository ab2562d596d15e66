package dev.condense.models.speech;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CharactersTest {

    @Test
    void libriSpeechAndLjSpeechTranscriptsNormaliseToOneSpelling() {
        assertEquals("stuff it into you his belly counselled him",
                Characters.normalise("STUFF IT INTO YOU HIS BELLY COUNSELLED HIM"));
        assertEquals("printing in the only sense with which we are at present concerned",
                Characters.normalise("Printing, in the only sense with which we are at present concerned"));
        assertEquals("fifteen sixty the printer's art is cafe",
                Characters.normalise("Fifteen-sixty; (the printer\u2019s) \"art\" is caf\u00e9."));
        assertEquals("", Characters.normalise(" -- ; "));
    }

    @Test
    void idsStartAfterTheBlankAndRoundTrip() {
        assertEquals(29, Characters.count());
        assertEquals("<blank>", Characters.SYMBOLS.get(0));
        assertArrayEquals(new int[] {9, 10, 1, 27}, Characters.encode("hi z"));
        assertEquals(28, Characters.encode("'")[0]);
        assertEquals("he couldn't wait", Characters.decode(Characters.encode("he couldn't wait")));
        assertEquals("ab", Characters.decode(new int[] {2, 0, 3}));
        assertThrows(IllegalArgumentException.class, () -> Characters.encode("A"));
    }
}
