/*
 * test_topology.c — the topology snapshot: synthetic two- and four-node
 * machines give the right packages, nodes, cores, PUs, memory and caches; an
 * XML machine places its OpenCL device on the right node; HWLOC_SYNTHETIC is
 * honoured by discovery; bad descriptions and missing files are clear errors;
 * the sysconf fallback keeps its reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/topology.h"
#include "test_util.h"

static void check_pus(const sli_topo_node *n, unsigned first, unsigned count)
{
    assert_int_equal(n->npus, count);
    for (unsigned i = 0; i < count; i++) assert_int_equal(n->pus[i], first + i);
}

static void test_two_nodes(void **state)
{
    (void)state;
    sli_topology *t = NULL;
    char err[256] = "";
    assert_int_equal(sli_topology_synthetic("pack:2 numa:1(memory=2GB) core:4 pu:1", &t, err, sizeof err),
                     SL_OK);
    assert_int_equal(t->source, SLI_TOPO_SYNTHETIC);
    assert_int_equal(t->npackages, 2);
    assert_int_equal(t->nnodes, 2);
    assert_int_equal(t->ncores, 8);
    assert_int_equal(t->npus, 8);
    assert_null(t->hwloc_error);
    assert_non_null(t->hw);
    assert_int_equal(t->memory, 4000000000ull);
    for (unsigned n = 0; n < 2; n++) {
        assert_int_equal(t->nodes[n].os_index, n);
        assert_int_equal(t->nodes[n].package, n);
        assert_int_equal(t->nodes[n].ncores, 4);
        assert_int_equal(t->nodes[n].memory, 2000000000ull);
        check_pus(&t->nodes[n], 4 * n, 4);
    }
    assert_int_equal(t->nosdevs, 0);
    sli_topology_free(t);
}

static void test_four_nodes_with_caches(void **state)
{
    (void)state;
    sli_topology *t = NULL;
    const char *desc = "pack:2 l3:1(size=8MB) numa:2 core:2 l2:1(size=1MB) l1d:1(size=32KB) pu:2";
    char err[256] = "";
    assert_int_equal(sli_topology_synthetic(desc, &t, err, sizeof err), SL_OK);
    assert_int_equal(t->npackages, 2);
    assert_int_equal(t->nnodes, 4);
    assert_int_equal(t->ncores, 8);
    assert_int_equal(t->npus, 16);
    for (unsigned n = 0; n < 4; n++) {
        assert_int_equal(t->nodes[n].package, n / 2); /* two nodes per package */
        assert_int_equal(t->nodes[n].ncores, 2);
        check_pus(&t->nodes[n], 4 * n, 4);
    }
    assert_int_equal(t->cache_size[1], 32000);
    assert_int_equal(t->cache_count[1], 8);
    assert_int_equal(t->cache_size[2], 1000000);
    assert_int_equal(t->cache_count[2], 8);
    assert_int_equal(t->cache_size[3], 8000000);
    assert_int_equal(t->cache_count[3], 2);
    sli_topology_free(t);
}

static void test_bad_synthetic(void **state)
{
    (void)state;
    sli_topology *t = (sli_topology *)&t; /* must be cleared on failure */
    char err[256] = "";
    assert_int_equal(sli_topology_synthetic("pack:2 nonsense:3", &t, err, sizeof err), SL_ERR_INVALID_ARG);
    assert_null(t);
    assert_non_null(strstr(err, "nonsense:3"));
    assert_int_equal(sli_topology_synthetic("", &t, err, sizeof err), SL_ERR_INVALID_ARG);
    assert_int_equal(sli_topology_synthetic(NULL, &t, NULL, 0), SL_ERR_INVALID_ARG);
}

/* Two packages with one node, core and PU each; a GPU with an OpenCL device
 * on package 1's PCI bus. */
static const char XML_TWO_NODES_GPU[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!DOCTYPE topology SYSTEM \"hwloc2.dtd\">\n"
    "<topology version=\"2.0\">\n"
    " <object type=\"Machine\" os_index=\"0\" cpuset=\"0x3\" complete_cpuset=\"0x3\" allowed_cpuset=\"0x3\""
    "  nodeset=\"0x3\" complete_nodeset=\"0x3\" allowed_nodeset=\"0x3\" gp_index=\"1\">\n"
    "  <object type=\"Package\" os_index=\"0\" cpuset=\"0x1\" complete_cpuset=\"0x1\" nodeset=\"0x1\""
    "   complete_nodeset=\"0x1\" gp_index=\"2\">\n"
    "   <info name=\"CPUModel\" value=\"Test CPU 9000\"/>\n"
    "   <object type=\"NUMANode\" os_index=\"0\" cpuset=\"0x1\" complete_cpuset=\"0x1\" nodeset=\"0x1\""
    "    complete_nodeset=\"0x1\" gp_index=\"3\" local_memory=\"1073741824\"/>\n"
    "   <object type=\"Core\" os_index=\"0\" cpuset=\"0x1\" complete_cpuset=\"0x1\" nodeset=\"0x1\""
    "    complete_nodeset=\"0x1\" gp_index=\"4\">\n"
    "    <object type=\"PU\" os_index=\"0\" cpuset=\"0x1\" complete_cpuset=\"0x1\" nodeset=\"0x1\""
    "     complete_nodeset=\"0x1\" gp_index=\"5\"/>\n"
    "   </object>\n"
    "  </object>\n"
    "  <object type=\"Package\" os_index=\"1\" cpuset=\"0x2\" complete_cpuset=\"0x2\" nodeset=\"0x2\""
    "   complete_nodeset=\"0x2\" gp_index=\"6\">\n"
    "   <object type=\"NUMANode\" os_index=\"1\" cpuset=\"0x2\" complete_cpuset=\"0x2\" nodeset=\"0x2\""
    "    complete_nodeset=\"0x2\" gp_index=\"7\" local_memory=\"2147483648\"/>\n"
    "   <object type=\"Core\" os_index=\"1\" cpuset=\"0x2\" complete_cpuset=\"0x2\" nodeset=\"0x2\""
    "    complete_nodeset=\"0x2\" gp_index=\"8\">\n"
    "    <object type=\"PU\" os_index=\"1\" cpuset=\"0x2\" complete_cpuset=\"0x2\" nodeset=\"0x2\""
    "     complete_nodeset=\"0x2\" gp_index=\"9\"/>\n"
    "   </object>\n"
    "   <object type=\"PCIDev\" gp_index=\"10\" pci_busid=\"0000:65:00.0\""
    "    pci_type=\"0302 [10de:2330] [10de:16c1] a1\" pci_link_speed=\"0.000000\">\n"
    "    <object type=\"OSDev\" gp_index=\"11\" name=\"opencl0d0\" subtype=\"OpenCL\" osdev_type=\"5\"/>\n"
    "   </object>\n"
    "  </object>\n"
    " </object>\n"
    "</topology>\n";

static void test_xml_with_gpu(void **state)
{
    (void)state;
    char dir[64], path[128];
    assert_int_equal(tu_make_dir(dir, sizeof dir, "topo"), 0);
    snprintf(path, sizeof path, "%s/machine.xml", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(XML_TWO_NODES_GPU, f);
    fclose(f);

    sli_topology *t = NULL;
    char err[256] = "";
    assert_int_equal(sli_topology_xml(path, SLI_TOPO_IO, &t, err, sizeof err), SL_OK);
    assert_int_equal(t->source, SLI_TOPO_XML);
    assert_int_equal(t->npackages, 2);
    assert_int_equal(t->nnodes, 2);
    assert_int_equal(t->npus, 2);
    assert_string_equal(t->cpu_model, "Test CPU 9000");
    assert_int_equal(t->nodes[1].memory, 2147483648ull);
    assert_int_equal(t->memory, 3221225472ull);
    assert_int_equal(t->nosdevs, 1);
    assert_string_equal(t->osdevs[0].name, "opencl0d0");
    assert_string_equal(t->osdevs[0].subtype, "OpenCL");
    assert_int_equal(t->osdevs[0].type, SLI_OSDEV_COPROC);
    assert_string_equal(t->osdevs[0].pci_busid, "0000:65:00.0");
    assert_int_equal(t->osdevs[0].numa, 1); /* the GPU hangs off package 1 */
    sli_topology_free(t);

    /* without SLI_TOPO_IO the device is left out */
    assert_int_equal(sli_topology_xml(path, 0, &t, err, sizeof err), SL_OK);
    assert_int_equal(t->nosdevs, 0);
    sli_topology_free(t);

    /* HWLOC_XMLFILE is honoured by discovery */
    assert_int_equal(setenv("HWLOC_XMLFILE", path, 1), 0);
    assert_int_equal(sli_topology_discover(SLI_TOPO_IO, &t), SL_OK);
    unsetenv("HWLOC_XMLFILE");
    assert_int_equal(t->source, SLI_TOPO_XML);
    assert_int_equal(t->nnodes, 2);
    assert_int_equal(t->nosdevs, 1);
    sli_topology_free(t);

    /* a file hwloc rejects */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("<topology>not a machine", f);
    fclose(f);
    assert_int_equal(sli_topology_xml(path, 0, &t, err, sizeof err), SL_ERR_IO);
    assert_null(t);
    assert_non_null(strstr(err, "rejected"));
    assert_int_equal(tu_remove_dir(dir), 0);
}

static void test_missing_xml(void **state)
{
    (void)state;
    sli_topology *t = NULL;
    char err[256] = "";
    assert_int_equal(sli_topology_xml("/nonexistent/machine.xml", 0, &t, err, sizeof err), SL_ERR_IO);
    assert_null(t);
    assert_non_null(strstr(err, "/nonexistent/machine.xml"));
}

static void test_env_synthetic(void **state)
{
    (void)state;
    assert_int_equal(setenv("HWLOC_SYNTHETIC", "pack:4 numa:1 core:2 pu:1", 1), 0);
    sli_topology *t = NULL;
    assert_int_equal(sli_topology_discover(0, &t), SL_OK);
    unsetenv("HWLOC_SYNTHETIC");
    assert_int_equal(t->source, SLI_TOPO_SYNTHETIC);
    assert_int_equal(t->nnodes, 4);
    assert_int_equal(t->npus, 8);
    sli_topology_free(t);
}

static void test_this_machine(void **state)
{
    (void)state;
    sli_topology *t = NULL;
    assert_int_equal(sli_topology_discover(0, &t), SL_OK);
    assert_true(t->nnodes >= 1);
    assert_true(t->npus >= 1);
    unsigned pus = 0;
    for (size_t n = 0; n < t->nnodes; n++) pus += t->nodes[n].npus;
    assert_int_equal(pus, t->npus); /* every PU is on exactly one node */
    if (t->source == SLI_TOPO_SYSCONF)
        assert_non_null(t->hwloc_error);
    else
        assert_null(t->hwloc_error);
    sli_topology_free(t);
}

static void test_fallback(void **state)
{
    (void)state;
    sli_topology *t = sli_topology_fallback("hwloc_topology_load: test");
    assert_non_null(t);
    assert_int_equal(t->source, SLI_TOPO_SYSCONF);
    assert_string_equal(t->hwloc_error, "hwloc_topology_load: test");
    assert_null(t->hw);
    assert_int_equal(t->nnodes, 1);
    assert_int_equal(t->npus, (unsigned)sysconf(_SC_NPROCESSORS_ONLN));
    assert_int_equal(t->nodes[0].npus, t->npus);
    for (unsigned i = 0; i < t->npus; i++) assert_int_equal(t->nodes[0].pus[i], i);
    assert_true(t->memory > 0);
    sli_topology_free(t);
    t = sli_topology_fallback(NULL);
    assert_non_null(t->hwloc_error);
    sli_topology_free(t);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(sli_topo_source_name(SLI_TOPO_SYNTHETIC), "synthetic");
    assert_string_equal(sli_topo_source_name(SLI_TOPO_SYSCONF), "sysconf");
    assert_string_equal(sli_osdev_type_name(SLI_OSDEV_COPROC), "coproc");
    assert_string_equal(sli_osdev_type_name(SLI_OSDEV_STORAGE), "storage");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_nodes),     cmocka_unit_test(test_four_nodes_with_caches),
        cmocka_unit_test(test_bad_synthetic), cmocka_unit_test(test_xml_with_gpu),
        cmocka_unit_test(test_missing_xml),   cmocka_unit_test(test_env_synthetic),
        cmocka_unit_test(test_this_machine),  cmocka_unit_test(test_fallback),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
