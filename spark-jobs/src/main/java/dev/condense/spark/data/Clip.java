package dev.condense.spark.data;

/**
 * One audio clip to featurise on an executor: where it is, its stable id (a hash of its path under the data folder,
 * so adding clips does not renumber the others) and its class.
 */
public record Clip(String path, long id, int label) implements java.io.Serializable {
}
