package io.hotvisor.livepatch.api;

import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShadowTest {
    /** Ids are per test so the static table's other entries never interfere. */
    private static final AtomicInteger NEXT_ID = new AtomicInteger(1000);

    private static long freshId() {
        return NEXT_ID.incrementAndGet();
    }

    @Test
    void getReturnsWhatWasAttached() {
        long id = freshId();
        Object obj = new Object();
        assertNull(Shadow.get(obj, id));
        Shadow.attach(obj, id, "state");
        assertEquals("state", Shadow.get(obj, id));
    }

    @Test
    void attachTwiceUnderTheSameIdIsRefused() {
        long id = freshId();
        Object obj = new Object();
        Shadow.attach(obj, id, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Shadow.attach(obj, id, 2));
        assertTrue(e.getMessage().contains("already attached"), e.getMessage());
        assertEquals(Integer.valueOf(1), Shadow.get(obj, id));
    }

    @Test
    void objectsAreKeyedByIdentityNotEquality() {
        long id = freshId();
        String a = new String("same");
        String b = new String("same");
        Shadow.attach(a, id, "for a");
        assertNull(Shadow.get(b, id));
        Shadow.attach(b, id, "for b");
        assertEquals("for a", Shadow.get(a, id));
        assertEquals("for b", Shadow.get(b, id));
    }

    @Test
    void differentIdsOnOneObjectAreIndependent() {
        long id1 = freshId();
        long id2 = freshId();
        Object obj = new Object();
        Shadow.attach(obj, id1, "one");
        Shadow.attach(obj, id2, "two");
        assertEquals("one", Shadow.detach(obj, id1));
        assertNull(Shadow.get(obj, id1));
        assertEquals("two", Shadow.get(obj, id2));
    }

    @Test
    void detachAllRemovesAnIdFromEveryObjectAndKeepsOtherIds() {
        long id = freshId();
        long other = freshId();
        Object x = new Object();
        Object y = new Object();
        Shadow.attach(x, id, 1);
        Shadow.attach(y, id, 2);
        Shadow.attach(y, other, 3);
        assertEquals(2, Shadow.detachAll(id));
        assertNull(Shadow.get(x, id));
        assertNull(Shadow.get(y, id));
        assertEquals(Integer.valueOf(3), Shadow.get(y, other));
    }

    @Test
    void getOrAttachRunsTheConstructorOnceUnderContention() throws Exception {
        long id = freshId();
        Object obj = new Object();
        AtomicInteger constructed = new AtomicInteger();
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        List<Object> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                seen.add(Shadow.getOrAttach(obj, id, () -> {
                    constructed.incrementAndGet();
                    return new int[1];
                }));
            });
            workers.add(t);
            t.start();
        }
        start.countDown();
        for (Thread t : workers) {
            t.join();
        }
        assertEquals(1, constructed.get());
        assertEquals(threads, seen.size());
        for (Object value : seen) {
            assertSame(seen.get(0), value);
        }
    }

    @Test
    void shadowsOfCollectedObjectsAreDropped() throws Exception {
        long id = freshId();
        Object obj = new Object();
        WeakReference<Object> ref = new WeakReference<>(obj);
        Shadow.attach(obj, id, "dies with its object");
        int before = Shadow.objectCount();
        obj = null;
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
            System.gc();
            return ref.get() == null && Shadow.objectCount() < before;
        });
    }
}
