/**
 * Reports: Markdown ({@code report.md}) and self-contained HTML ({@code report.html}) with figures.
 *
 * <ul>
 *   <li>{@link org.descent.report.Report} builds the text. Authored Markdown goes through
 *       {@link org.descent.report.Report#paragraph}; anything from data or labels is escaped with
 *       {@link org.descent.report.Markdown} (table cells, titles and captions always are), and the HTML renderer
 *       escapes raw HTML, so a label such as {@code <layer>.W_Q} or {@code η*I … η*I} shows as typed. Verdict words
 *       are coloured in the HTML.</li>
 *   <li>{@link org.descent.report.Plots} draws curves with XChart and matrices with
 *       {@link org.descent.report.HeatMap}; each {@link org.descent.report.Figure} is written as PNG (inlined in the
 *       HTML) and as SVG beside the report.</li>
 *   <li>{@link org.descent.report.Invocation} holds the command line of the run, which every report prints as the
 *       way to reproduce it.</li>
 * </ul>
 */
package org.descent.report;
