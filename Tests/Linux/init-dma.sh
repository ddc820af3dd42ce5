#!/bin/busybox sh
# init of the DMA initramfs (Tests/Linux/linux.sh dma|dma-check): make the stock arm-smmu driver
# attach DMA engine 0 to an IOMMU domain, then start a copy from user space and report what the
# engine, the SMMU and the kernel say. Documentation/Linux.md explains each step.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
uname -a
# The cloud kernel has no driver for "smmu-emu,dma-engine" and no vfio-platform. Binding any
# platform driver makes the driver core run of_dma_configure first, which attaches the device
# to its default (translated, DMA-API) domain: arm-smmu allocates a context bank and programs
# it. serial8250's probe finds no platform data and binds without touching the device.
dev=/sys/bus/platform/devices/9070000.dma
echo serial8250 > $dev/driver_override
echo 9070000.dma > /sys/bus/platform/drivers/serial8250/bind
echo "dma0: driver $(basename "$(readlink $dev/driver)"), iommu group $(basename "$(readlink $dev/iommu_group)"), domain $(cat $dev/iommu_group/type)"
# A 256-byte copy, IOVA 0x1000 -> 0x2000, on stream 0 (the device tree's iommus = <&smmu0 0>),
# registers as HARDWARE.md lays them out; the copy ends before the CTRL write returns.
devmem 0x09070000 64 0x1000
devmem 0x09070008 64 0x2000
devmem 0x09070010 32 0x100
devmem 0x09070014 32 0
devmem 0x09070018 32 1
echo "dma0: STATUS $(devmem 0x0907001c 32) FAULT_IOVA $(devmem 0x09070020 64)"
sleep 1
dmesg | grep -E 'iommu group|context fault'
grep -E 'CPU0|arm-smmu' /proc/interrupts
poweroff -f
