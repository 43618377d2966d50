/**
 * Small infrastructure: strict JSON, atomic files, run folders that never overwrite, provenance.
 */
package org.descent.util;
