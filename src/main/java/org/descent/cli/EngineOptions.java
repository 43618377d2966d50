package org.descent.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.nio.file.Path;
import org.descent.experiment.Workspace;
import picocli.CommandLine.Option;

/** Where a command computes: device and threads. {@link RuntimeOptions} adds the memory check. */
class EngineOptions {
    /** The SLF4J simple-logger level of DJL's CUDA probe (see src/main/resources/simplelogger.properties). */
    static final String CUDA_PROBE_LOG_LEVEL = "org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils";

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|gpu|auto",
            description = "Device for every tensor (default: ${DEFAULT-VALUE}). 'auto' picks a GPU when the PyTorch "
                    + "engine sees one. See README 'Running on a GPU'.")
    String device;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "N",
            description = "Intra-op threads of libtorch on CPU (default: ${DEFAULT-VALUE}; more than the free cores "
                    + "makes it slower).")
    int threads;

    /** Sets engine properties; must run before the first DJL call of the process. */
    void configureEngine() {
        if (threads <= 0) {
            throw new IllegalArgumentException("--threads must be a positive integer, got " + threads);
        }
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        System.setProperty("java.awt.headless", "true");
        if (System.getenv("DJL_OFFLINE") == null && System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if ("cpu".equals(device) && System.getProperty(CUDA_PROBE_LOG_LEVEL) == null) {
            // DJL probes for CUDA while loading the engine and warns when a CUDA runtime is installed without a
            // usable driver; a CPU run does not care, a --device gpu or auto run keeps that warning.
            System.setProperty(CUDA_PROBE_LOG_LEVEL, "error");
        }
    }

    Device resolveDevice() {
        switch (device) {
            case "cpu":
                return Device.cpu();
            case "gpu": {
                int gpus = Engine.getInstance().getGpuCount();
                if (gpus == 0) {
                    throw new IllegalArgumentException("--device gpu: the PyTorch engine sees no GPU (this libtorch is "
                            + Engine.getInstance().getVersion() + " " + System.getProperty("os.arch")
                            + "); see README 'Running on a GPU'");
                }
                return Device.gpu();
            }
            case "auto":
                return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
            default:
                throw new IllegalArgumentException("--device must be cpu, gpu or auto, got \"" + device + "\"");
        }
    }

    /**
     * The device with the command's output folders; a command without {@code --models-dir} or {@code --reports-dir}
     * passes null and gets the default folder, which it does not write to.
     */
    Workspace workspace(OutputOptions.Models models, OutputOptions.Reports reports) {
        return new Workspace(models != null ? models.dir : OutputOptions.Models.DEFAULT,
                reports != null ? reports.dir : OutputOptions.Reports.DEFAULT, resolveDevice());
    }
}
