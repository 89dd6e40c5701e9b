package io.hotvisor.patch.format.payload;

/**
 * One inflated ZIP entry. The array is owned by the reader that made it and never handed out.
 *
 * @param name  the entry name
 * @param bytes the inflated content
 */
record ZipItem(String name, byte[] bytes) {
}
