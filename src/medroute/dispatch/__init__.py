"""Live dispatch: the state of one service area, events that change it, and replanning with locks.

A :class:`Dispatcher` holds pharmacies, riders (where each is, from when, what they carry, the
stop they are driving to) and orders (created, released, on board, done). After every batch of
events, :meth:`Dispatcher.replan` answers "what should each rider do next" with a :class:`Plan`:
a :class:`~medroute.solution.Solution` over the *live problem* (the open state as a
:class:`~medroute.model.Problem`) and a :class:`PlanDiff` against the previous plan. Between
events, :meth:`Dispatcher.improve` (or a background thread, :meth:`Dispatcher.start_improving`)
keeps improving the plan; the next replan folds the new events into the best plan so far.

Invariants every returned plan keeps (and :func:`medroute.check` confirms against the live
problem, every time, before the plan is returned):

* stops already done stay done: delivered, failed and cancelled orders never come back; an order
  on board is never picked up again;
* the **committed** stop (the one a rider is driving to) stays that rider's first stop until an
  event completes or cancels it;
* items on board stay with their rider and keep the out-of-fridge budget counted from the real
  pickup time (``Order.picked_up_by`` / ``picked_up_s``);
* an order locked to a rider (``Order.rider`` at creation, or :meth:`Dispatcher.lock`) goes to no
  other rider.

One concern per module:

* :mod:`~medroute.dispatch.state`: the immutable live state and the pure ``apply(state, event)``;
* :mod:`~medroute.dispatch.live`: the live problem and the planning problem (commitments folded,
  margins against travel-time noise, impossible targets relaxed);
* :mod:`~medroute.dispatch.replan`: the candidate pool, the engine call, mapping back and checking;
* :mod:`~medroute.dispatch.improve`: anytime improvement between events;
* :mod:`~medroute.dispatch.diff`: what changed between two plans;
* :mod:`~medroute.dispatch.persist`: saving and restoring the state;
* :mod:`~medroute.dispatch.dispatcher`: the :class:`Dispatcher` shell over them.
"""

from .diff import PlanDiff as PlanDiff
from .diff import RiderDiff as RiderDiff
from .dispatcher import DEFAULT_STABILITY_RP as DEFAULT_STABILITY_RP
from .dispatcher import Dispatcher as Dispatcher
from .dispatcher import Plan as Plan
from .live import DEFAULT_TRAVEL_QUANTILE as DEFAULT_TRAVEL_QUANTILE
from .state import DEFAULT_COMMIT_WITHIN_S as DEFAULT_COMMIT_WITHIN_S
from .state import FINAL as FINAL
from .state import DispatchError as DispatchError
from .state import DispatchState as DispatchState
from .state import OrderState as OrderState
from .state import OrderStatus as OrderStatus
from .state import RiderState as RiderState
from .state import Visit as Visit
from .state import apply as apply
