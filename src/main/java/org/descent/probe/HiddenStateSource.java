package org.descent.probe;

import org.descent.task.PromptSet;

/** A model capability: its residual stream on given prompts (see {@link HiddenStates} for the layout). */
@FunctionalInterface
public interface HiddenStateSource {

    /** Hidden states {@code [L+1, B, N+1, D_h]} of {@code prompts}. */
    HiddenStates hiddenStates(PromptSet prompts);
}
