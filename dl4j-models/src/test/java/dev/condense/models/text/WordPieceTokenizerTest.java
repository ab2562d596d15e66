package dev.condense.models.text;

import dev.condense.models.pretrained.MiniLm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class WordPieceTokenizerTest {

    private static WordPieceTokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        tokenizer = MiniLm.tokenizer();
    }

    @Test
    void matchesReferenceIdsIncludingSubwordsAndPunctuation() {
        Encoding e = tokenizer.encode("The movie was surprisingly un-boring, and I loved it!", 128);
        assertArrayEquals(new int[] {101, 1996, 3185, 2001, 10889, 4895, 1011, 11771, 1010, 1998, 1045, 3866, 2009,
                999, 102}, e.ids());
        assertArrayEquals(new int[e.length()], e.typeIds());
    }

    @Test
    void matchesTheTeacherReadmeExample() {
        assertArrayEquals(new int[] {101, 1996, 3185, 2001, 2307, 102}, tokenizer.encode("the movie was great", 64).ids());
    }

    @Test
    void stripsAccentsAndLowercases() {
        assertEquals(tokenizer.wordPieces("cafe"), tokenizer.wordPieces("CAFÉ"));
    }

    @Test
    void pairsGetSegmentIdsAndAreTruncatedLongestFirst() {
        Encoding e = tokenizer.encodePair("a b c d e f", "g h", 8);
        // [CLS] a b c [SEP] g h [SEP]: the longer first sentence gave up its pieces first
        assertEquals(8, e.length());
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 1, 1, 1}, e.typeIds());
        assertEquals(102, e.ids()[4]);
        assertEquals(102, e.ids()[7]);
    }

    @Test
    void unknownWordBecomesUnk() {
        assertEquals(java.util.List.of(100), tokenizer.wordPieces("\u2603\u2603"));
    }
}
