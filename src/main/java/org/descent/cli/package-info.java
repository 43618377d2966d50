/**
 * The picocli command line behind {@code ./descent}.
 */
package org.descent.cli;
