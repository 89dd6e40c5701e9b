/** Guest images: parsing and loading statically linked RV64 ELF executables into guest RAM. */
package io.hotvisor.runtime.elf;
