/*
 * devices.h — `sluice devices`: the device registry and the machine topology.
 */
#ifndef SLI_CLI_DEVICES_H
#define SLI_CLI_DEVICES_H

/**
 * Runs `sluice devices [--format text|json]` with argv[0] being "devices":
 * prints the devices (CPU first, then OpenCL devices) and the topology to
 * standard output.
 * @return an exit code: 0, 2 for bad usage, 1 when discovery ran out of
 *         memory, 3 when standard output could not be written.
 */
int sli_cli_devices(int argc, char **argv);

#endif
