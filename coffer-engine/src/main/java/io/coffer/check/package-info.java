/** Checker: structural and full-data verification of a repository, naming the damaged objects and the files they hurt. */
package io.coffer.check;
