/**
 * Reports: Markdown and self-contained HTML with XChart figures.
 */
package org.descent.report;
