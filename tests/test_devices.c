/*
 * test_devices.c — the device registry: the CPU is always first and matches
 * the topology it was built from; OpenCL entries follow, or a note says why
 * there are none; names are never NULL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/devices.h"

static void check_registry(const sli_devices *r, const sli_topology *t)
{
    assert_true(r->n >= 1);
    const sli_device *cpu = &r->devs[0];
    assert_int_equal(cpu->kind, SLI_DEVICE_CPU);
    assert_string_equal(cpu->type, "cpu");
    assert_string_equal(cpu->name, t->cpu_model ? t->cpu_model : "cpu");
    assert_int_equal(cpu->cores, t->ncores);
    assert_int_equal(cpu->compute_units, t->npus);
    assert_int_equal(cpu->numa_nodes, t->nnodes);
    assert_int_equal(cpu->global_memory, t->memory);
    assert_int_equal(cpu->isa, sli_isa_detect());
    assert_string_equal(cpu->version, sli_isa_name(sli_isa_detect()));
    for (size_t i = 1; i < r->n; i++) {
        const sli_device *d = &r->devs[i];
        assert_int_equal(d->kind, SLI_DEVICE_OPENCL);
        assert_non_null(d->name);
        assert_non_null(d->vendor);
        assert_non_null(d->platform);
        assert_non_null(d->version);
        assert_true(strcmp(d->type, "cpu") == 0 || strcmp(d->type, "gpu") == 0 ||
                    strcmp(d->type, "accelerator") == 0 || strcmp(d->type, "other") == 0);
    }
    /* a note exactly when no OpenCL device is listed */
    if (r->n == 1)
        assert_non_null(r->opencl_note);
    else
        assert_null(r->opencl_note);
}

static void test_cpu_first_synthetic(void **state)
{
    (void)state;
    sli_topology *t = NULL;
    char err[256];
    assert_int_equal(sli_topology_synthetic("pack:2 numa:2 core:3 pu:2", &t, err, sizeof err), SL_OK);
    sli_devices *r = NULL;
    assert_int_equal(sli_devices_discover(t, &r), SL_OK);
    check_registry(r, t);
    assert_int_equal(r->devs[0].numa_nodes, 4);
    assert_int_equal(r->devs[0].cores, 12);
    assert_int_equal(r->devs[0].compute_units, 24);
    sli_devices_free(r);
    sli_topology_free(t);
}

static void test_this_machine(void **state)
{
    (void)state;
    sli_topology *t = NULL;
    assert_int_equal(sli_topology_discover(0, &t), SL_OK);
    sli_devices *r = NULL;
    assert_int_equal(sli_devices_discover(t, &r), SL_OK);
    check_registry(r, t);
    sli_devices_free(r);
    sli_topology_free(t);
    assert_int_equal(sli_devices_discover(NULL, &r), SL_ERR_INVALID_ARG);
    assert_null(r);
    sli_devices_free(NULL);
    assert_string_equal(sli_device_kind_name(SLI_DEVICE_CPU), "cpu");
    assert_string_equal(sli_device_kind_name(SLI_DEVICE_OPENCL), "opencl");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_cpu_first_synthetic),
                                       cmocka_unit_test(test_this_machine)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
