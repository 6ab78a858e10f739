/** System calls the JDK lacks, through the foreign-function API when the runtime has it. */
package io.coffer.sys;
