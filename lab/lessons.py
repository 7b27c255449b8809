"""One-click lessons: a setup, what to notice, and (for a simplified page) controls to hide.

Each lesson's text was checked against what its runs do (tests/lab/test_lessons.py asserts the
effect each one describes).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import views
from .experiment import MODEL_RUNS, Experiment, run_config
from .views import View

HIDEABLE = ("function", "start", "run", "optimizers", "sidebar")


@dataclass(frozen=True)
class Lesson:
    key: str
    title: str
    text: str
    experiment: Experiment
    view: View = views.TRAJECTORIES


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "adagrad_dies",
        "Adagrad's step size dies away",
        "On ½x² from x = 5 with learning rate 1, Adagrad divides by the root of the sum of every "
        "squared gradient so far: the large early gradients never leave that sum, so its "
        "effective learning rate only shrinks and its steps dwindle. RMSProp (decay 0.9) forgets "
        "them: its effective learning rate climbs back as the gradients shrink, and it reaches 0 "
        "within a few steps.",
        Experiment(
            surface="parabola",
            start=None,
            steps=30,
            runs=(run_config("adagrad", lr=1.0), run_config("rmsprop", lr=1.0, alpha=0.9)),
        ),
        view=views.LEARNING_RATE,
    ),
    Lesson(
        "slope_turns",
        "The slope that turns",
        "f = x for x > 0 and −0.1x below: a constant slope, then a ten times gentler one the "
        "other way. Adam moves 0.01 per step from the very first step. RMSProp with momentum "
        "starts at a third of that and accelerates until its buffer holds 1/(1 − μ) = 10 "
        "gradients, reaching the same speed. Past the turn at 0 both overshoot and must brake "
        "against the gentle slope: Adam runs further past the turn than RMSProp with momentum "
        "and is slower to come back. Nesterov and RMSProp with Nesterov momentum, at larger "
        "learning rates, overshoot furthest; plain GD and Momentum, at a tiny one, barely move.",
        Experiment(
            surface="slope",
            steps=300,
            runs=(
                run_config("sgd", lr=8e-5),
                run_config("momentum", lr=8e-5, momentum=0.9),
                run_config("nesterov", lr=0.008, momentum=0.9),
                run_config("rmsprop", lr=0.02, alpha=0.9, eps=1e-10),
                run_config("rmsprop", lr=0.001, alpha=0.9, eps=1e-10, momentum=0.9),
                run_config("rmsprop", lr=0.008, alpha=0.9, eps=1e-10, momentum=0.9, nesterov=True),
                run_config("adadelta", rho=0.9),
                run_config("adam", lr=0.01, beta1=0.9, beta2=0.999, eps=1e-10),
            ),
        ),
    ),
    Lesson(
        "ravine_zigzag",
        "Zig-zag in a ravine",
        "In the ravine ½(x² + 25y²) the valley walls are 25 times steeper than its floor. Plain "
        "gradient descent with a learning rate near the stability limit 2/25 bounces from wall "
        "to wall at every step while creeping along the floor. Momentum's buffer cancels the "
        "opposite bounces: it swings across slowly, the swings die out, and it builds speed "
        "along the floor; after 60 steps its loss is a hundred times lower.",
        Experiment(
            surface="ravine",
            surface_params=(("kappa", 25.0),),
            start=(-4.0, 1.0),
            steps=60,
            runs=(run_config("sgd", lr=0.075), run_config("momentum", lr=0.02, momentum=0.8)),
        ),
    ),
    Lesson(
        "one_lr_for_all",
        "One learning rate for every parameter",
        "With κ = 100 the y-direction is a hundred times steeper than x. SGD must keep its "
        "learning rate below 2/100 or y explodes, and at that rate x crawls: after 60 steps it "
        "has covered two thirds of the way. RMSProp and Adam "
        "divide each coordinate by its own gradient size, so both directions move at a similar "
        "pace: compare the two effective learning rates of each run in its tab.",
        Experiment(
            surface="ravine",
            surface_params=(("kappa", 100.0),),
            start=(-4.0, 1.0),
            steps=60,
            runs=(
                run_config("sgd", lr=0.019),
                run_config("rmsprop", lr=0.05),
                run_config("adam", lr=0.1),
            ),
        ),
    ),
    Lesson(
        "bias_correction",
        "Adam's bias correction: the first steps",
        "Adam's moments m and v start at zero. Divided by 1 − βᵗ, the first step is exactly the "
        "learning rate along the gradient's sign. Without the correction m is 10× too small but "
        "√v is 32× too small, so the first steps are about three times too long: the "
        "uncorrected run overshoots at once and stays more restless; after 60 steps its loss is "
        "still three times higher.",
        Experiment(
            surface="quadratic",
            start=(-4.0, 3.0),
            steps=60,
            runs=(run_config("adam", lr=0.3), run_config("adam", lr=0.3, bias_correction=False)),
        ),
    ),
    Lesson(
        "noisy_gradients",
        "Noisy gradients: mini-batch SGD against Adam",
        "Each step sees only 4 of the 200 data points, so every gradient is a noisy estimate. "
        "SGD and momentum, with a constant learning rate, reach the fit fast and then keep "
        "jittering around it instead of settling (see the Loss tab). Adam's normalised steps "
        "approach more slowly. Change the seed for another draw of mini-batches, or raise the "
        "batch size to calm the jitter.",
        Experiment(
            surface="least_squares",
            surface_params=(("batch_size", 4),),
            steps=300,
            runs=(
                run_config("sgd", lr=0.05),
                run_config("momentum", lr=0.01),
                run_config("adam", lr=0.05),
            ),
        ),
    ),
    Lesson(
        "rosenbrock",
        "Rosenbrock's curved valley",
        "Reaching the banana-shaped valley is easy; following its flat, curved floor to (1, 1) is "
        "slow. SGD crawls along the floor, momentum and Nesterov zig-zag down the steep wall "
        "first and then travel the floor fastest, and the adaptive methods follow the curve at "
        "their own pace.",
        Experiment(
            surface="rosenbrock",
            steps=1000,
            runs=(
                run_config("sgd", lr=1e-3),
                run_config("momentum", lr=1e-3),
                run_config("nesterov", lr=1e-3),
                run_config("rmsprop", lr=1e-2),
                run_config("adam", lr=5e-2),
            ),
        ),
    ),
    Lesson(
        "saddle",
        "Escaping a saddle point",
        "f = x² − y² from just beside the saddle's ridge (y = 0.01). Gradient descent slides "
        "down to the saddle and lingers there for some 30 steps, multiplying y by only 1 + 2η "
        "per step. Momentum rushes past the saddle before it turns away; Adam normalises the "
        "tiny y-gradient into a full-sized step and escapes first (on the Loss tab its f falls "
        "first). f has no minimum: the paths run off the map.",
        Experiment(
            surface="saddle",
            start=(-1.5, 0.01),
            steps=50,
            runs=(
                run_config("sgd", lr=0.05),
                run_config("momentum", lr=0.02),
                run_config("adam", lr=0.05),
            ),
        ),
    ),
    Lesson(
        "himmelblau",
        "The start decides the minimum",
        "Himmelblau's function has four minima of equal depth. From a start beside its central "
        "peak the optimizers fall into different ones. Click the map to move the start, or open "
        "Sweep for each optimizer's basins of attraction.",
        Experiment(
            surface="himmelblau",
            start=(-0.27, -0.9),
            steps=300,
            runs=(
                run_config("sgd", lr=0.01),
                run_config("momentum", lr=0.002),
                run_config("adam", lr=0.1),
            ),
        ),
    ),
    Lesson(
        "lbfgs_curvature",
        "L-BFGS learns the valley's curvature",
        "Rosenbrock from (−1.2, 1), one L-BFGS iteration per step (max_iter = 1). From its last "
        "steps' gradient changes it estimates the curvature and turns along the banana valley: "
        "with the strong-Wolfe line search it is below 1e-8 by step 34, after 76 evaluations "
        "of the function (Inside a step counts them). With the fixed step α = η = 1 it "
        "overshoots in the bend and needs 61 steps. Momentum and Adam are still at 0.07 and 3.9 "
        "after 150 steps.",
        Experiment(
            surface="rosenbrock",
            start=(-1.2, 1.0),
            steps=150,
            runs=(
                run_config("lbfgs", max_iter=1, line_search=True),
                run_config("lbfgs", max_iter=1),
                run_config("momentum", lr=1e-3, momentum=0.9),
                run_config("adam", lr=0.02),
            ),
        ),
    ),
    Lesson(
        "rprop_signs",
        "Rprop reads only the gradient's sign",
        "In the ravine ½(x² + 100y²) the wall is 100 times steeper than the floor. Rprop's "
        "first steps are 0.01 along both axes all the same, and each coordinate's step grows "
        "by 1.2 while its gradient keeps its sign and halves when it flips: the steep wall "
        "never makes it jump. It is below 0.01 by step 30 and near 1e-12 by step 80, while "
        "gradient descent, held below η = 0.02 by the wall, still has a loss of 10, and Adam "
        "0.005.",
        Experiment(
            surface="ravine",
            surface_params=(("kappa", 100.0),),
            start=(-4.0, 1.0),
            steps=80,
            runs=(
                run_config("rprop", lr=0.01),
                run_config("sgd", lr=0.0199),
                run_config("adam", lr=0.1),
            ),
        ),
    ),
    Lesson(
        "too_high",
        "A learning rate too high diverges",
        "On ½x² gradient descent multiplies x by 1 − η each step. Below η = 1 it glides to 0, "
        "between 1 and 2 it oscillates around 0 with shrinking swings, and above 2 every swing "
        "grows until the run is far off the map: it is stopped and flagged, its path drawn up "
        "to there.",
        Experiment(
            surface="parabola",
            start=(2.0,),
            steps=60,
            runs=(run_config("sgd", lr=0.5), run_config("sgd", lr=1.8), run_config("sgd", lr=2.1)),
        ),
    ),
)

R = run_config
MODEL_LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "minibatch_noise",
        "Noisy mini-batches: SGD against Adam",
        "An MLP learns the moons from mini-batches of 8 of its 150 training points (19 steps "
        "per epoch). After 150 steps SGD (η = 0.1) ends at a training loss of 0.285, just as "
        "with the full batch (0.283): its small steps average the noise out. Adam (η = 0.01) "
        "reaches 0.013 with the full batch but only 0.25 with batches of 8: its normalised "
        "steps stay full-sized however noisy the gradient, so it keeps jumping. Here the claim "
        "that Adam copes better with noisy gradients does not hold. Raise the batch size in the "
        "sidebar and watch Adam recover.",
        Experiment(
            model="mlp",
            model_params=(("dataset", "moons"), ("n", 200), ("batch_size", 8)),
            steps=150,
            runs=(R("sgd", lr=0.1), R("adam", lr=0.01)),
        ),
        view=views.LOSS,
    ),
    Lesson(
        "lr_range",
        "How wide is each optimizer's usable learning rate?",
        "On the spiral MLP (100 steps), set Grid points to 25. Counting a rate usable when the "
        "final training loss is below 0.5 (it starts at 0.69): Adam's range spans about 1.75 "
        "decades (0.01 to 0.56), Momentum's and RMSProp's one decade each (0.18 to 1.8, and "
        "0.0056 to 0.056), and SGD reaches 0.5 at no rate in 100 steps. Adam is the least "
        "sensitive here; RMSProp is no less sensitive than Momentum, only shifted to smaller "
        "rates.",
        Experiment(model="mlp", model_params=(("n", 100),), steps=100, runs=MODEL_RUNS),
        view=views.SWEEP,
    ),
    Lesson(
        "rmsprop_simple",
        "RMSProp for simple models? Logistic regression",
        "Logistic regression on two Gaussians, RMSProp and Adam at the same η = 0.01 for 150 "
        "steps. RMSProp ends at a training loss of 0.049, Adam at 0.13: on this convex problem "
        "Adam's momentum only delays it. Both classify every held-out point right, so the "
        "difference is in the loss, not the answers. Compare the lesson on the MLP.",
        Experiment(
            model="logistic",
            model_params=(("n", 200),),
            steps=150,
            runs=(R("rmsprop", lr=0.01), R("adam", lr=0.01)),
        ),
        view=views.LOSS,
    ),
    Lesson(
        "adam_deep",
        "Adam for deep ones? The spiral MLP",
        "The same two optimizers, η = 0.01, 150 steps, on a 2→16→16→2 network learning the "
        "spiral. Now Adam ends lower on the training loss (0.32 against RMSProp's 0.49), as the "
        "rule of thumb says, but not on held-out points: RMSProp classifies 64 % of them right, "
        "Adam 60 %. A lower training loss is not a better model.",
        Experiment(
            model="mlp",
            model_params=(("n", 200),),
            steps=150,
            runs=(R("rmsprop", lr=0.01), R("adam", lr=0.01)),
        ),
        view=views.LOSS,
    ),
    Lesson(
        "muon_spiral",
        "Muon: every direction of a weight matrix at one speed",
        "The spiral MLP again, 150 steps. Muon orthogonalises each weight matrix's momentum "
        "(five Newton–Schulz steps), pulling its singular values towards 1: in the 16 × 16 "
        "hidden layer they span seven decades in the last gradient and under two in the "
        "step, so weak directions move nearly as fast as strong ones. With η = 0.05 and "
        "torch's other defaults it ends at a training loss of 0.20 against Adam's 0.32, and "
        "classifies 76 % of the held-out points right against Adam's 60 %. A bias is a 1 × n "
        "row here (torch's Muon refuses vectors).",
        Experiment(
            model="mlp",
            model_params=(("n", 200),),
            steps=150,
            runs=(R("adam", lr=0.01), R("muon", lr=0.05)),
        ),
        view=views.LOSS,
    ),
    Lesson(
        "l2_vs_adamw",
        "L2 in Adam against AdamW's decoupled decay",
        "An MLP on the moons for 300 steps: Adam without decay ends with weights of norm 11.5. "
        "Adam with L2 (weight_decay 0.01) ends at 4.9, while AdamW with ten times the "
        "coefficient (0.1) ends at 10.5. In Adam the L2 term is divided by √v̂ like the "
        "gradient, so a weight with small gradients is pulled to zero at full step size; "
        "AdamW shrinks every weight by η·λ per step whatever its gradient. The decay buys "
        "nothing here: held-out loss is lowest without it.",
        Experiment(
            model="mlp",
            model_params=(("dataset", "moons"), ("n", 200)),
            steps=300,
            runs=(
                R("adam", lr=0.01),
                R("adam", lr=0.01, weight_decay=0.01),
                R("adamw", lr=0.01, weight_decay=0.1),
            ),
        ),
        view=views.LOSS,
    ),
)
LESSONS += MODEL_LESSONS

LESSONS = tuple(Lesson(x.key, x.title, x.text, x.experiment.canonical(), x.view) for x in LESSONS)
BY_KEY = {lesson.key: lesson for lesson in LESSONS}


def find(experiment: Experiment) -> Lesson | None:
    """The lesson whose setup this is, if any."""
    canonical = experiment.canonical()
    return next((lesson for lesson in LESSONS if lesson.experiment == canonical), None)


def parse_hidden(text: str | None) -> frozenset[str]:
    """Which control groups a lesson link hides (``hide=optimizers,run``); unknown ones ignored."""
    if not text:
        return frozenset()
    return frozenset(part for part in text.split(",") if part in HIDEABLE)
