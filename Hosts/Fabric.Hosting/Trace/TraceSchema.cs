using System.Collections.Frozen;

namespace Fabric.Hosting.Trace;

/// <summary>
/// Every verb of the trace language (shared/spec/trace-format.md) and its keys: the one table the
/// parser checks statements against. To add a verb, add a line to <see cref="Verbs"/>; to add a
/// key, add it to its verb. Never change the meaning of an existing verb or key: users script
/// with this format and diff its output.
/// </summary>
public static class TraceSchema
{
    /// <summary>All verbs, setup statements first, in the order the spec lists them.</summary>
    public static IReadOnlyList<TraceVerb> Verbs { get; } =
    [
        Setup("vm", "a pseries guest with RAM at guest physical 0",
            Name("name", "the VM's name", "g"),
            Size("ram", "the guest's RAM size, K/M/G allowed", "2G"),
            K.Host.Optional(),
            Word("binding", "how its KVM binds a LIOBN to VFIO: group (KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE) or container (KVM_SPAPR_TCE_BIND_VFIO); default fabric.kvm.liobn-binding", "group", "container").Optional()),
        Setup("phb", "an sPAPR PHB as QEMU builds it",
            K.Vm,
            Number("index", "the PHB index (BUID 0x800000020000000 + index)", "1"),
            Word("ddw", "dynamic DMA windows", "on", "off").Optional(),
            Number("pgsz", "the DDW page-size mask in the RTAS encoding", "0x107").Optional(),
            Number("dma_win_size", "the default DMA window size in bytes", "0x40000000").Optional(),
            Number("dma64_win_addr", "the bus address of 64-bit DMA windows", "0x800000000000000").Optional()),
        Setup("tce-table", "KVM_CREATE_SPAPR_TCE_64",
            K.Vm,
            K.Liobn,
            Number("page_shift", "log2 of the TCE page size", "12"),
            Number("offset", "the window's first TCE page, in TCE pages", "0"),
            Number("size", "the window size in TCE pages", "262144")),
        Setup("poke", "the guest writes big-endian 64-bit words to its RAM",
            K.Vm,
            Number("gpa", "the guest physical address to write at", "0x10000"),
            NumberList("be64", "the 64-bit words to write, comma-separated with no spaces", "0x1003,0x2003")),
        Setup("host", "a host",
            Name("name", "the host's name", "h0")),
        Setup("pe", "a host PE (its IOMMU group)",
            K.Host,
            Number("id", "the PE's IOMMU group number", "1"),
            Number("phb", "the host PHB the PE is behind", "0").Optional(),
            Word("iommu", "how its IOMMU tables are built; none: a VFIO no-IOMMU group; x86: behind an x86 IOMMU (iommufd only)", "ioda2", "ioda1", "none", "x86").Optional()),
        Setup("device", "a PCI device behind a host PE, bound to a host driver",
            K.Host,
            Number("pe", "the IOMMU group number of its PE", "1"),
            Name("name", "the device's name, as VFIO_GROUP_GET_DEVICE_FD asks for it", "d0"),
            Name("driver", "its host driver: vfio-pci or none keep the group viable, any other does not", "vfio-pci"),
            Number("bus", "the PCI bus it is on (segment 0): devices on one bus are reset together", "1").Optional()),
        Setup("container", "a VFIO container holding IOMMU groups",
            K.Host,
            Name("id", "the container's name", "c0"),
            NumberList("groups", "the IOMMU group numbers it holds, comma-separated with no spaces", "1,2"),
            Number("page_shift", "log2 of its hardware window's TCE page size", "12").Optional(),
            Number("window_size", "its hardware window's size in bytes", "0x40000000").Optional(),
            Number("bus_offset", "its hardware window's bus address", "0").Optional()),
        Setup("bind", "KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE: link a group to a VM's TCE table",
            K.Vm,
            K.Liobn,
            Number("group", "the IOMMU group number to link", "1"),
            K.Host.Optional()),

        Call("H_PUT_TCE", "map or clear one TCE",
            K.Liobn, K.Ioba, K.Tce, K.Vm),
        Call("H_GET_TCE", "read one TCE",
            K.Liobn, K.Ioba, K.Vm),
        Call("H_STUFF_TCE", "write one TCE value to npages entries",
            K.Liobn, K.Ioba, K.Tce, K.NPages, K.Vm),
        Call("H_PUT_TCE_INDIRECT", "map npages TCEs from a list in guest RAM",
            K.Liobn, K.Ioba,
            Number("tcelist", "the guest physical address of the TCE list, 4K aligned", "0x10000"),
            K.NPages, K.Vm),
        Call("RTAS_QUERY_PE_DMA_WINDOW", "ibm,query-pe-dma-window",
            K.Buid, K.Cfg,
            Number("nret", "the number of RTAS return words, 5 or 6", "5") with { AllowedNumbers = [5, 6] }, K.Vm),
        Call("RTAS_CREATE_PE_DMA_WINDOW", "ibm,create-pe-dma-window",
            K.Buid, K.Cfg,
            Number("page_shift", "log2 of the window's TCE page size", "16"),
            Number("window_shift", "log2 of the window size in bytes", "31"), K.Vm),
        Call("RTAS_REMOVE_PE_DMA_WINDOW", "ibm,remove-pe-dma-window",
            K.Liobn, K.Vm),
        Call("RTAS_RESET_PE_DMA_WINDOW", "ibm,reset-pe-dma-window",
            K.Buid, K.Cfg, K.Vm),
        Call("DMA", "a device behind a host PE reads or writes one bus address",
            K.Host,
            Number("pe", "the IOMMU group number of the PE doing the DMA", "1"),
            K.Ioba,
            Word("dir", "the DMA direction", "read", "write")),
        Call("VFIO_GROUP_OPEN", "open /dev/vfio/N: ret= is the group's fd",
            K.Host, K.Group),
        Call("VFIO_CONTAINER_OPEN", "open /dev/vfio/vfio, a new container named by container=: ret= is its fd",
            K.Host, K.Container),
        Call("CLOSE", "close the fd of a group, a container or a device: name it by group=, container= or fd=",
            K.Host, K.Group.Optional(), K.Container.Optional(), K.Fd.Optional()),
        Call("VFIO_GROUP_SET_CONTAINER", "put the group in a container: pass the container's fd by container= or fd=",
            K.Host, K.Group, K.Container.Optional(), K.Fd.Optional()),
        Call("VFIO_GROUP_UNSET_CONTAINER", "take the group out of its container",
            K.Host, K.Group),
        Call("VFIO_SET_IOMMU", "give the container an IOMMU driver (type 7: sPAPR TCE v2, with one hardware window)",
            K.Host, K.Container,
            Number("type", "the IOMMU type: 7 sPAPR TCE v2, 8 no-IOMMU", "7"),
            Number("page_shift", "log2 of its hardware window's TCE page size", "12").Optional(),
            Number("window_size", "its hardware window's size in bytes", "0x40000000").Optional(),
            Number("bus_offset", "its hardware window's bus address", "0").Optional()),
        Call("VFIO_GROUP_GET_DEVICE_FD", "open a device of the group: ret= is its fd",
            K.Host, K.Group,
            Name("device", "the device's name", "d0")),
        Call("VFIO_GROUP_GET_EXTERNAL_USER", "vfio_group_get_external_user, as KVM calls it on a group fd (group= or fd=)",
            K.Host, K.Group.Optional(), K.Fd.Optional()),
        Call("VFIO_GROUP_PUT_EXTERNAL_USER", "vfio_group_put_external_user",
            K.Host, K.Group),
        Call("VFIO_EXTERNAL_USER_IOMMU_ID", "vfio_external_user_iommu_id: ret= is the IOMMU group id",
            K.Host, K.Group),
        Call("KVM_CHECK_EXTENSION", "KVM_CHECK_EXTENSION on the VM: ret= is 1 if it has the capability, else 0",
            K.Vm,
            Number("cap", "the capability: 142 KVM_CAP_SPAPR_TCE_VFIO (group design), 0x10000 KVM_SPAPR_TCE_BIND_VFIO (container design)", "142")),
        Call("KVM_DEV_VFIO_GROUP_ADD", "add a group (group= or fd=) to the VM's KVM-VFIO device",
            K.Vm, K.Group.Optional(), K.Fd.Optional()),
        Call("KVM_DEV_VFIO_GROUP_DEL", "take a group (group= or fd=) out of the VM's KVM-VFIO device, with the LIOBN links it set",
            K.Vm, K.Group.Optional(), K.Fd.Optional()),
        Call("KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE", "link the group's first compatible hardware table to the LIOBN's KVM table (liobn= stands for the table fd)",
            K.Vm, K.Group.Optional(), K.Fd.Optional(), K.Liobn),
        Call("KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE_LIOBN", "seed 000's earlier form {argsz, fd, liobn, start_addr}: link the group's table at start_addr to the LIOBN",
            K.Vm,
            Number("argsz", "the struct size userspace passes; below 24 is -EINVAL", "24"),
            K.Group.Optional(), K.Fd.Optional(), K.Liobn,
            Number("start_addr", "the bus address of the group's hardware window", "0")),
        Call("KVM_SPAPR_TCE_BIND_VFIO", "bind the LIOBN's KVM table to a VFIO container (container= or fd=): every group in it",
            K.Vm, K.Liobn, K.Container.Optional(), K.Fd.Optional()),
        Call("KVM_SPAPR_TCE_UNBIND_VFIO", "unbind the LIOBN from the container; its translations leave the container's window",
            K.Vm, K.Liobn, K.Container.Optional(), K.Fd.Optional()),
        Call("VFIO_IOMMU_SPAPR_REGISTER_MEMORY", "preregister [vaddr, vaddr+size) of VM vm's VMM process through the container",
            K.Host, K.Container, K.Caller, K.Vaddr, K.MemorySize, K.Flags, K.Argsz),
        Call("VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY", "unregister a region the container registered",
            K.Host, K.Container, K.Caller, K.Vaddr, K.MemorySize, K.Flags, K.Argsz),
        Call("VFIO_IOMMU_SPAPR_TCE_CREATE", "create a hardware window in every group of the container: ret=0 start= is its bus address",
            K.Host, K.Container,
            Number("page_shift", "log2 of the window's IOMMU page size", "16"),
            Number("window_size", "the window size in bytes, a power of two", "0x400000000"),
            Number("levels", "the levels of its table, 1..5", "1"),
            K.Flags, Number("argsz", "the ioctl's argsz (default 40)", "40").Optional()),
        Call("VFIO_IOMMU_SPAPR_TCE_REMOVE", "remove the container's hardware window holding start_addr",
            K.Host, K.Container,
            Number("start_addr", "a bus address in the window", "0x800000000000000"),
            K.Flags, Number("argsz", "the ioctl's argsz (default 16)", "16").Optional()),
        Call("VFIO_DEVICE_GET_PCI_HOT_RESET_INFO", "the devices a reset of the device's bus affects, and their groups",
            K.Host, K.Fd, K.Argsz),
        Call("VFIO_DEVICE_PCI_HOT_RESET", "reset the device's bus, proving ownership of every device on it by group fds",
            K.Host, K.Fd,
            NumberList("group_fds", "the fds of the groups of the devices on the bus, comma-separated", "3,5"),
            K.Flags, K.Argsz),
        Setup("iommu-domain", "the type of the IOMMU domain a PE's group is attached to (a parent's, for sdmdevs)",
            K.Host,
            Number("pe", "the IOMMU group number of the PE", "1"),
            Word("type", "dma: the kernel's DMA-API domain (the default); unmanaged: one its driver manages", "unmanaged", "dma")),
        Setup("sdmdev", "a shared-domain mdev of a parent device, in an mdev IOMMU group of its own number",
            K.Host,
            Name("name", "the mdev's name", "m1"),
            Name("parent", "the parent PCI device's name", "d1"),
            K.Group),
        Call("VFIO_SDMDEV_ATTACH", "attach the mdev group to its parent's domain: ret= is its PASID",
            K.Host, K.Group),
        Call("VFIO_SDMDEV_MAP", "map [iova, iova+size) to host physical hpa for the mdev group's PASID",
            K.Host, K.Group,
            Number("iova", "the I/O virtual address, 4K aligned", "0x10000"),
            Number("hpa", "the host physical address, 4K aligned", "0x100000"),
            Number("size", "the size in bytes, 4K aligned", "0x1000")),
        Call("SDMDEV_DMA", "the parent device DMAs for the mdev, tagged with its PASID",
            K.Host, K.Group,
            Number("iova", "the I/O virtual address", "0x10000"),
            Word("dir", "the DMA direction", "read", "write")),
        Call("VFIO_EEH_PE_OP", "an EEH operation on every group of a container (container= or fd=), the kernel's way: it stops at the first group that returns non-zero",
            K.Host, K.Container.Optional(), K.Fd.Optional(),
            Number("op", "0 disable, 1 enable, 2 unfreeze MMIO, 3 unfreeze DMA, 4 get state, 5 reset deactivate, 6 hot reset, 7 fundamental reset, 8 configure, 9 inject an error", "4"),
            Number("argsz", "the struct size userspace passes (default 16, or 40 for op=9)", "16").Optional(),
            Number("flags", "the ioctl's flags (default 0)", "0").Optional(),
            Number("type", "op=9: EEH_ERR_TYPE_32 (0) or _64 (1)", "1").Optional(),
            Number("func", "op=9: the error function, 0..19 (12: DMA read address)", "12").Optional(),
            Number("addr", "op=9: the address", "0").Optional(),
            Number("mask", "op=9: the address mask", "0").Optional()),
        Setup("guest-pe", "a guest PE of the VM over host PEs, which Fabric keeps in one EEH state",
            K.Vm,
            Number("id", "the guest PE's number within the VM", "1"),
            NumberList("pes", "the host PEs (IOMMU groups) behind it, comma-separated", "1,2,3"),
            Word("eeh", "how it answers the guest's EEH calls: converge (every step on every host PE, kept in one state) or qemu (EEH only over one host PE); default fabric.eeh.guest-pe", "converge", "qemu").Optional(),
            Number("phb", "the index of the VM's PHB whose PE it is: the guest's EEH calls name it by BUID 0x800000020000000 + index (default: its id)", "1").Optional(),
            Number("bus", "the guest PCI bus of its devices, one per host PE at slot 0, 1, ... (default 0)", "0").Optional()),
        Call("GUEST_PE_STATE", "the guest PE's EEH events so far (one per freeze episode, with the host PE that froze first) and its host PEs' states",
            K.Vm,
            Number("id", "the guest PE's number within the VM", "1")),
        Call("EEH_INJECT", "fault injection: the PHB freezes one host PE (pe=) or every host PE under a PHB (phb=), whether its EEH is enabled or not",
            K.Host,
            Number("pe", "the IOMMU group number of the PE", "1").Optional(),
            Number("phb", "the host PHB whose PEs all freeze", "0").Optional(),
            Word("kind", "the fault: freeze (the default), or reset-fail (the PE's next count= resets fail)", "freeze", "reset-fail").Optional(),
            Number("count", "kind=reset-fail: how many resets fail (default 1)", "1").Optional()),
        Call("RTAS_SET_EEH_OPTION", "ibm,set-eeh-option on a guest PE: each host PE gets the VFIO_EEH_PE_OP",
            [K.Vm, .. K.GuestPeAddress,
            Number("option", "0 disable, 1 enable, 2 thaw MMIO, 3 thaw DMA", "1")]),
        Call("RTAS_READ_SLOT_RESET_STATE2", "ibm,read-slot-reset-state2 on a guest PE: GET_STATE on each host PE",
            [K.Vm, .. K.GuestPeAddress,
            Number("nret", "the number of RTAS return words, 4 or 5 (with the recovery word; default 4)", "4").Optional() with { AllowedNumbers = [4, 5] }]),
        Call("RTAS_SET_SLOT_RESET", "ibm,set-slot-reset on a guest PE: each host PE is reset or released",
            [K.Vm, .. K.GuestPeAddress,
            Number("option", "0 deactivate, 1 hot reset, 3 fundamental reset", "1")]),
        Call("RTAS_CONFIGURE_PE", "ibm,configure-pe on a guest PE: each host PE is configured after its reset",
            [K.Vm, .. K.GuestPeAddress]),
        Call("RTAS_SLOT_ERROR_DETAIL", "ibm,slot-error-detail on a guest PE",
            [K.Vm, .. K.GuestPeAddress,
            Number("option", "1 temporary, 2 permanent", "1")]),
        Call("RTAS_GET_CONFIG_ADDR_INFO2", "ibm,get-config-addr-info2 on a guest PE",
            [K.Vm, .. K.GuestPeAddress,
            Number("option", "0 the PE address, 1 the PE mode", "0"),
            Number("bus", "with id=: the PCI bus of the device the config address names (default 0); with buid=, cfg= gives the bus", "1").Optional()]),
        Call("RTAS_ERRINJCT", "ibm,errinjct of an IOA bus error on a guest PE: VFIO_EEH_PE_INJECT_ERR on each host PE",
            [K.Vm, .. K.GuestPeAddress,
            Number("func", "the error function, 0..19 (12: DMA read address)", "12"),
            Number("type", "0 a 32-bit, 1 a 64-bit IOA bus error (default 1)", "1").Optional(),
            Number("addr", "the address (default 0)", "0").Optional(),
            Number("mask", "the address mask (default 0)", "0").Optional()]),
        Call("IOMMU_IOAS_ALLOC", "a new IOAS on the host's iommufd, with no windows: ret= is its id",
            K.Host, K.Flags),
        Call("IOMMU_DESTROY", "destroy an IOAS; -EBUSY while a device is attached to it",
            K.Host, K.Ioas),
        Call("IOMMU_IOAS_CREATE_WINDOW", "seed 003: a window of size= bytes; page_size= and base= left out are chosen from the attached hardware; prints base=",
            K.Host, K.Ioas,
            Number("size", "the window size in bytes", "0x40000000"),
            Number("page_size", "the window's page size in bytes (default: the smallest the attached IOMMUs take, 4K with none)", "0x10000").Optional(),
            Number("base", "the window's first iova (default: the lowest the attached hardware allows)", "0x800000000000000").Optional(),
            K.Flags),
        Call("IOMMU_IOAS_REMOVE_WINDOW", "seed 003: remove the window at base=, and the mappings inside it",
            K.Host, K.Ioas,
            Number("base", "the window's first iova", "0x800000000000000")),
        Call("IOMMU_IOAS_MAP", "map length= bytes of user memory from user_va= at iova= (FIXED_IOVA), or where the kernel chooses; prints iova=",
            K.Host, K.Ioas,
            Number("user_va", "the user address (a VM's RAM is at its host base: 0x10000000000 for the first VM)", "0x10000000000"),
            Number("length", "the length in bytes, whole pages of the window", "0x10000"),
            Number("iova", "the iova to map at (sets FIXED_IOVA)", "0x10000").Optional(),
            Number("flags", "the ioctl's flags (default: READABLE|WRITEABLE, 6, and FIXED_IOVA, 1, with iova=)", "7").Optional()),
        Call("IOMMU_IOAS_UNMAP", "unmap whole areas in iova=..+length= (iova=0 length=0xffffffffffffffff: all); prints length= unmapped",
            K.Host, K.Ioas,
            Number("iova", "the first iova", "0x10000"),
            Number("length", "the length in bytes", "0x10000")),
        Call("IOMMU_IOAS_COPY", "map in dst_ioas= what src_ioas= maps at src_iova=..+length=, at dst_iova= (FIXED_IOVA) or where the kernel chooses; prints dst_iova=",
            K.Host,
            Number("dst_ioas", "the destination IOAS", "2"),
            Number("src_ioas", "the source IOAS", "1"),
            Number("src_iova", "the first source iova", "0x10000"),
            Number("length", "the length in bytes", "0x10000"),
            Number("dst_iova", "the destination iova (sets FIXED_IOVA)", "0x10000").Optional(),
            Number("flags", "the ioctl's flags (default: READABLE|WRITEABLE, and FIXED_IOVA with dst_iova=)", "7").Optional()),
        Call("IOMMU_IOAS_IOVA_RANGES", "the IOAS's usable ranges (holes between reserved ranges) and alignment; -EMSGSIZE when num_iovas= is too few",
            K.Host, K.Ioas,
            Number("num_iovas", "room for this many ranges (default 16)", "16").Optional()),
        Call("IOMMU_IOAS_ALLOW_IOVAS", "automatic iovas only from these ranges (none: anywhere)",
            K.Host, K.Ioas,
            NumberList("ranges", "inclusive pairs START,LAST,START,LAST...", "0x100000,0x1fffff").Optional()),
        Call("IOMMUFD_DEVICE_ATTACH", "attach the PE's device to an IOAS (iommufd_device_attach): -EADDRINUSE when its IOMMU cannot keep the IOAS's windows",
            K.Host, K.Pe, K.Ioas),
        Call("IOMMUFD_DEVICE_REPLACE", "move an attached device to another IOAS, attached throughout (iommufd_device_replace)",
            K.Host, K.Pe, K.Ioas),
        Call("IOMMUFD_DEVICE_DETACH", "detach the PE's device from its IOAS",
            K.Host, K.Pe),
    ];

    private static readonly FrozenDictionary<string, TraceVerb> ByName =
        Verbs.ToFrozenDictionary(v => v.Name, StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, TraceVerb>.AlternateLookup<ReadOnlySpan<char>> BySpan =
        ByName.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The verb called <paramref name="name"/> (case-sensitive), or null.</summary>
    public static TraceVerb? Find(string name) => ByName.GetValueOrDefault(name);

    /// <inheritdoc cref="Find(string)"/>
    public static TraceVerb? Find(ReadOnlySpan<char> name) => BySpan.TryGetValue(name, out var verb) ? verb : null;

    /// <summary>"vm, phb, tce-table, ...": for error messages.</summary>
    public static string VerbList => string.Join(", ", Verbs.Select(v => v.Name));

    /// <summary>Keys shared by several verbs. A nested class so that it is initialized before <see cref="Verbs"/> reads it.</summary>
    private static class K
    {
        public static readonly TraceKey Vm =
            Name("vm", "the VM's name; may be left out when the trace declares one VM", "g").Optional();
        public static readonly TraceKey Host = Name("host", "the host's name", "h0");
        public static readonly TraceKey Liobn = Number("liobn", "the logical I/O bus number", "0x80000100");
        public static readonly TraceKey Ioba = Number("ioba", "the I/O bus address", "0x1000");
        public static readonly TraceKey Tce = Number("tce", "the TCE value", "0x1003");
        public static readonly TraceKey NPages = Number("npages", "the number of TCEs", "1");
        public static readonly TraceKey Buid = Number("buid", "the PHB's BUID", "0x800000020000001");
        public static readonly TraceKey Cfg = Number("cfg", "the PE's config address", "0");
        public static readonly TraceKey Group = Number("group", "the IOMMU group number (its fd, once open)", "1");
        public static readonly TraceKey Container = Name("container", "the container's name (its fd, once open)", "c0");
        public static readonly TraceKey Fd = Number("fd", "a raw fd, read as the ioctl's 32-bit int: 0xffffffff is -1", "3");
        public static readonly TraceKey GuestPe = Number("id", "the guest PE's number within the VM (as `guest-pe` defined it)", "1");

        /// <summary>A guest PE in an EEH RTAS call: buid= and cfg= as the guest passes them, or id=.</summary>
        public static readonly TraceKey[] GuestPeAddress =
        [
            Number("buid", "the BUID of the guest PE's PHB (0x800000020000000 + its phb=); goes with cfg=", "0x800000020000001").Optional(),
            Number("cfg", "the config address the guest passes: bus << 16 | devfn << 8, or the PE address 0xBB0001", "0x10001").Optional(),
            GuestPe.Optional(),
        ];
        public static readonly TraceKey Caller = Name("vm", "the VM whose VMM process makes the ioctl (the owner of the memory)", "g");
        public static readonly TraceKey Vaddr = Number("vaddr", "a userspace address of the VM's VMM; its RAM is at the VM's host base (0x10000000000 for the first VM)", "0x10000000000");
        public static readonly TraceKey MemorySize = Number("size", "the size in bytes, a multiple of the host's 64K page", "0x10000000");
        public static readonly TraceKey Flags = Number("flags", "the ioctl's flags (default 0)", "0").Optional();
        public static readonly TraceKey Ioas = Number("ioas", "the IOAS's id (IOMMU_IOAS_ALLOC's ret=)", "1");
        public static readonly TraceKey Pe = Number("pe", "the IOMMU group number of the PE whose device it is", "1");
        public static readonly TraceKey Argsz = Number("argsz", "the ioctl's argsz (default: the struct's size with its array)", "12").Optional();
    }

    private static TraceVerb Setup(string name, string meaning, params TraceKey[] keys) =>
        new(name, TraceVerbKind.Setup, meaning, keys);

    private static TraceVerb Call(string name, string meaning, params TraceKey[] keys) =>
        new(name, TraceVerbKind.Call, meaning, keys);

    private static TraceKey Number(string name, string meaning, string example) =>
        new(name, TraceValueKind.Number, true, meaning, example);

    private static TraceKey Size(string name, string meaning, string example) =>
        new(name, TraceValueKind.Size, true, meaning, example);

    private static TraceKey NumberList(string name, string meaning, string example) =>
        new(name, TraceValueKind.NumberList, true, meaning, example);

    private static TraceKey Name(string name, string meaning, string example) =>
        new(name, TraceValueKind.Name, true, meaning, example);

    private static TraceKey Word(string name, string meaning, params string[] words) =>
        new(name, TraceValueKind.Word, true, meaning, words[0]) { Words = words };
}
