/**
 * A JSON {@link io.larder.Codec} on Jackson: {@link io.larder.jackson.JsonCodec}.
 */
package io.larder.jackson;
