package io.larder.example;

import java.io.Serializable;

/**
 * A book of the example's library.
 *
 * @param id the id
 * @param title the title
 * @param author the author
 * @param year the year of first publication
 * @param description a short description, in markdown
 */
record Book(long id, String title, String author, int year, String description)
    implements Serializable {}
