package io.hotvisor.runtime.sched.credit2;

import io.hotvisor.runtime.rendezvous.Rendezvous;
import io.hotvisor.runtime.sched.SchedGran;
import io.hotvisor.runtime.sched.ScheduleTrace;
import io.hotvisor.runtime.sched.Scheduler;
import io.hotvisor.runtime.sched.SchedulerFactory;
import io.hotvisor.runtime.sched.Topology;

/** Makes {@link Credit2} schedulers; the factory the replaceable scheduler bundle names. */
public final class Credit2Factory implements SchedulerFactory {
    @Override
    public Scheduler create(Topology topology, SchedGran gran, long sliceInstructions, Rendezvous rendezvous, ScheduleTrace trace) {
        return new Credit2(topology, gran, sliceInstructions, rendezvous, trace);
    }
}
