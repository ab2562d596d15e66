package dev.condense.spark.train;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InJvmExchangeTest {

    @Test
    void theDriverTakesEveryPartitionsDepositInPartitionOrder() {
        try (InJvmExchange<String> exchange = InJvmExchange.open()) {
            InJvmExchange.deposit(exchange.id(), 1, "b");
            InJvmExchange.deposit(exchange.id(), 0, "first try");
            InJvmExchange.deposit(exchange.id(), 0, "a");
            assertEquals(List.of("a", "b"), exchange.take(2));
        }
    }

    @Test
    void aMissingPartitionIsAnError() {
        try (InJvmExchange<String> exchange = InJvmExchange.open()) {
            InJvmExchange.deposit(exchange.id(), 0, "a");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> exchange.take(2));
            assertTrue(e.getMessage().contains("each of 2 partitions, got 1"), e.getMessage());
        }
    }

    /** A task in another JVM (or after the driver closed the exchange) fails instead of dropping its result. */
    @Test
    void aDepositWithoutAnOpenExchangeIsAnError() {
        InJvmExchange<String> exchange = InJvmExchange.open();
        exchange.close();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> InJvmExchange.deposit(exchange.id(), 0, "a"));
        assertTrue(e.getMessage().contains("same JVM"), e.getMessage());
    }
}
