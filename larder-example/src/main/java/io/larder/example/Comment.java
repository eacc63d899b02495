package io.larder.example;

import java.io.Serializable;

/**
 * A reader's comment on a book.
 *
 * @param id the id
 * @param author who wrote it
 * @param body the text, plain
 * @param posted when, as ISO date-time text
 */
record Comment(long id, String author, String body, String posted) implements Serializable {}
