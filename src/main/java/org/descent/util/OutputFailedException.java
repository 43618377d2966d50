package org.descent.util;

/**
 * Finished work could not be written where it belongs (disk full, a folder that became read-only). The message says
 * what was kept and where (a rescue folder), or that nothing could be kept. The command line exits with code 6.
 */
public final class OutputFailedException extends RuntimeException {
    public OutputFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
