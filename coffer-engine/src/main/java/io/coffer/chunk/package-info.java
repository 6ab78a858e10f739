/** Content-defined chunking (FastCDC). Depends on nothing else in Coffer. */
package io.coffer.chunk;
