package io.larder.example;

import java.io.Serializable;

/**
 * A review of a book, written in markdown; reviews never change once written.
 *
 * @param id the id
 * @param bookId the book reviewed
 * @param reviewer who wrote it
 * @param rating one to five stars
 * @param markdown the text
 */
record Review(long id, long bookId, String reviewer, int rating, String markdown)
    implements Serializable {}
