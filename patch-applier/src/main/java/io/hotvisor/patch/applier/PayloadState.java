package io.hotvisor.patch.applier;

/** The states of an uploaded payload: Xen's livepatch has these two and no others. */
public enum PayloadState {
    /** Uploaded and verified, not applied. */
    CHECKED,
    /** Applied: its classes run. */
    APPLIED
}
