/**
 * Small infrastructure: strict JSON, atomic files, run folders that never overwrite, provenance, and the output
 * schema every run writes ({@link org.descent.util.Schema}, {@link org.descent.util.RunManifest},
 * {@link org.descent.util.RunMetrics}, {@link org.descent.util.Npz}).
 */
package org.descent.util;
