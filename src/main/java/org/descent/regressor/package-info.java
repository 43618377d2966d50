/**
 * The contract shared by every in-context learner in descent: {@link org.descent.regressor.InContextRegressor} and, for differentiable ones, {@link org.descent.regressor.QuerySensitivity}.
 */
package org.descent.regressor;
