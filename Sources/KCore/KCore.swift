// placeholder: module KCore
