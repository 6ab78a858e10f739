/** Repository usage figures. */
package io.coffer.stats;
