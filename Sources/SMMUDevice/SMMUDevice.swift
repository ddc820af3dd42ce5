// placeholder: module SMMUDevice
