// placeholder
print("smmu-emu")
