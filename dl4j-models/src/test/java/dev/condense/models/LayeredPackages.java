package dev.condense.models;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * A module's packages as floors, top first: a class may use its own package and the floors below its own, never a
 * floor above nor another package on its floor. So every arrow between packages points down and no two packages
 * can depend on each other. Each module's {@code ArchitectureTest} names its floors; spark-jobs reuses this class.
 */
public final class LayeredPackages {

    private final String root;
    private final List<List<String>> floors;

    /**
     * @param root   the module's root package, e.g. {@code dev.condense.models}
     * @param floors the first-level packages under it, the top floor first
     */
    public LayeredPackages(String root, List<List<String>> floors) {
        this.root = root;
        this.floors = floors;
    }

    /** One rule per package: none of its classes depends on a package above it or beside it. */
    public ArchRule importsPointDown() {
        List<ArchRule> rules = new ArrayList<>();
        for (int floor = 0; floor < floors.size(); floor++) {
            for (String pkg : floors.get(floor)) {
                List<String> forbidden = new ArrayList<>();
                for (int above = 0; above <= floor; above++) {
                    for (String other : floors.get(above)) {
                        if (!other.equals(pkg)) {
                            forbidden.add(root + "." + other + "..");
                        }
                    }
                }
                if (!forbidden.isEmpty()) {
                    rules.add(noClasses().that().resideInAPackage(root + "." + pkg + "..")
                            .should().dependOnClassesThat().resideInAnyPackage(forbidden.toArray(String[]::new))
                            .as(pkg + " uses only the floors below it " + below(floor)).allowEmptyShould(true));
                }
            }
        }
        return CompositeArchRule.of(rules);
    }

    /** The first-level packages of {@code classes} that no floor names: a new package must be given its place. */
    public Set<String> unplaced(JavaClasses classes) {
        Set<String> placed = new TreeSet<>();
        floors.forEach(placed::addAll);
        Set<String> out = new TreeSet<>();
        for (JavaClass c : classes) {
            String pkg = c.getPackageName();
            if (pkg.startsWith(root + ".")) {
                String first = pkg.substring(root.length() + 1).split("\\.")[0];
                if (!placed.contains(first)) {
                    out.add(first);
                }
            } else if (pkg.equals(root)) {
                out.add("(the root package itself: " + c.getSimpleName() + ")");
            }
        }
        return out;
    }

    private String below(int floor) {
        return floors.subList(floor + 1, floors.size()).toString();
    }
}
