/**
 * The HTTP face of the service: the native REST API under {@code /api/v1}, its OpenAPI
 * document, health, and the token check. Handlers parse and validate JSON, call
 * {@link io.coffer.service.CofferService}, and render resources as JSON views; every error is a
 * JSON body {@code {"error": {"code", "message"}}} with the status its code maps to.
 */
package io.coffer.server;
