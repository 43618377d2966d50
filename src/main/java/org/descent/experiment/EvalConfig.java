package org.descent.experiment;

/**
 * How a trained model is evaluated.
 *
 * @param testPrompts fresh test prompts for every metric (default 10,000, README contracts)
 * @param searchPrompts Monte-Carlo prompts for the numerical step-size line search
 */
public record EvalConfig(int testPrompts, int searchPrompts) {
    public EvalConfig {
        if (testPrompts <= 0) {
            throw new IllegalArgumentException("eval: testPrompts must be a positive integer, got " + testPrompts);
        }
        if (searchPrompts < 200) {
            throw new IllegalArgumentException("eval: searchPrompts must be at least 200, got " + searchPrompts);
        }
    }

    public static EvalConfig defaults() {
        return new EvalConfig(10_000, 100_000);
    }
}
