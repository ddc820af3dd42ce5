// placeholder: module Emulator
