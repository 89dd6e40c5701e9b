package io.hotvisor.patch.applier;

import io.hotvisor.patch.applier.health.AutoRevert;

import java.time.Duration;

/** What the automatic revert does through the agent: its permit, its table and its normal revert. */
final class HealthTarget implements AutoRevert.Target {
    private final LivepatchAgent agent;
    private final PayloadTable table;
    private final ActionJournal actions;
    private final Events events;

    HealthTarget(LivepatchAgent agent, PayloadTable table, ActionJournal actions, Events events) {
        this.agent = agent;
        this.table = table;
        this.actions = actions;
        this.events = events;
    }

    @Override
    public boolean tryBegin(String what) {
        return actions.tryBegin(what);
    }

    @Override
    public void end() {
        actions.end();
    }

    @Override
    public boolean closed() {
        return actions.closed();
    }

    @Override
    public boolean applied(String name) {
        PayloadTable.Entry e = table.get(name);
        return e != null && table.state(e) == PayloadState.APPLIED;
    }

    @Override
    public String top() {
        PayloadTable.Entry top = table.top();
        return top == null ? null : top.name();
    }

    @Override
    public AutoRevert.Failure revert(String name, Duration timeout, String cause, String lastError) {
        try {
            agent.revertLocked(table.get(name), ActionOptions.timeout(timeout), cause, lastError);
            return null;
        } catch (LivepatchException x) {
            return new AutoRevert.Failure(x.code() == ErrorCode.TIMEOUT, x.code() + ": " + x.getMessage());
        }
    }

    @Override
    public void failed(String name, String error) {
        PayloadTable.Entry e = table.get(name);
        if (e != null) {
            table.failed(e, error);
        }
    }

    @Override
    public void log(System.Logger.Level level, String name, String message) {
        events.emit(level, name, message);
    }
}
