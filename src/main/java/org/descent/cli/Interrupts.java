package org.descent.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.descent.experiment.Workspace;
import org.descent.train.StopSignal;
import org.descent.train.TrainingInterruptedException;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGINT (Ctrl-C) and SIGTERM during a training run: the first signal asks the trainer to finish its step and save
 * a resumable {@code interrupted} checkpoint, then the command prints the {@code --resume} command line and exits
 * with 130 (SIGINT) or 143 (SIGTERM), the codes a shell gives a process killed by those signals. A second signal, or
 * a save that takes longer than {@link #GRACE_SECONDS}, quits at once without saving (the staging folder that may
 * leave behind is removed by the next run). Closing restores the previous handlers.
 */
final class Interrupts implements AutoCloseable {
    static final int EXIT_SIGINT = 130;
    static final int EXIT_SIGTERM = 143;
    static final long GRACE_SECONDS = 60;

    private final StopSignal stop = new StopSignal();
    private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();
    private final PrintWriter err;
    private volatile Thread watchdog;

    private Interrupts(PrintWriter err) {
        this.err = err;
    }

    /** Installs the handlers (where the JVM lets us: with -Xrs it does not, and signals keep their default). */
    static Interrupts install(PrintWriter err) {
        Interrupts in = new Interrupts(err);
        for (String name : List.of("INT", "TERM")) {
            try {
                Signal s = new Signal(name);
                in.previous.put(s, Signal.handle(s, in::handle));
            } catch (IllegalArgumentException e) {
                // signal reserved by the JVM (-Xrs) or unknown on this OS: default behaviour
            }
        }
        return in;
    }

    StopSignal stop() {
        return stop;
    }

    private void handle(Signal s) {
        String name = "SIG" + s.getName();
        int code = exitCode(name);
        if (stop.requested()) {
            err.println();
            err.println("descent: " + name + " again: quitting without saving");
            err.flush();
            Runtime.getRuntime().halt(code);
        }
        stop.request(name);
        err.println();
        err.println("descent: " + name + " received: finishing the current step and saving a resumable checkpoint "
                + "(send it again to quit at once without saving)");
        err.flush();
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(GRACE_SECONDS * 1000);
            } catch (InterruptedException e) {
                return;
            }
            err.println("descent: the checkpoint could not be saved within " + GRACE_SECONDS + " s; quitting "
                    + "without saving");
            err.flush();
            Runtime.getRuntime().halt(code);
        }, "descent-interrupt-watchdog");
        t.setDaemon(true);
        watchdog = t;
        t.start();
    }

    static int exitCode(String reason) {
        return "SIGINT".equals(reason) ? EXIT_SIGINT : "SIGTERM".equals(reason) ? EXIT_SIGTERM : 1;
    }

    /**
     * Prints what an interrupted run kept and how to continue it; returns the exit code.
     *
     * @param resumeOptions options to repeat on the resume command line (e.g. a non-default --models-dir)
     */
    static int report(TrainingInterruptedException e, List<String> resumeOptions, PrintWriter out, PrintWriter err) {
        err.printf(Locale.ROOT, "descent: training stopped by %s after step %d; resumable checkpoint: %s%n",
                e.reason(), e.step(), e.savedTo());
        List<String> cmd = new ArrayList<>(List.of("./descent", "train", "--resume", quote(e.savedTo())));
        resumeOptions.forEach(o -> cmd.add(quote(o)));
        out.println("resume with: " + String.join(" ", cmd));
        out.flush();
        err.flush();
        return exitCode(e.reason());
    }

    /** The options a resume needs that the checkpoint does not record (output folder, device, threads). */
    static List<String> resumeOptions(EngineOptions runtime, Workspace ws) {
        List<String> o = new ArrayList<>();
        if (!ws.modelsDir().equals(OutputOptions.Models.DEFAULT)) {
            o.add("--models-dir");
            o.add(ws.modelsDir().toString());
        }
        if (!"cpu".equals(runtime.device)) {
            o.add("--device");
            o.add(runtime.device);
        }
        if (runtime.threads != 1) {
            o.add("--threads");
            o.add(Integer.toString(runtime.threads));
        }
        return o;
    }

    static String quote(String s) {
        return s.matches("[A-Za-z0-9_./:=@%+-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    @Override
    public void close() {
        previous.forEach((s, h) -> {
            try {
                Signal.handle(s, h);
            } catch (IllegalArgumentException e) {
                // cannot happen for a signal we installed
            }
        });
        Thread t = watchdog;
        if (t != null) {
            t.interrupt();
        }
    }
}
