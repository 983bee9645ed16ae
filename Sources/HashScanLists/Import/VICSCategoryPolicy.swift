/// Which VICS `Category` values become list entries.
///
/// VICS categories are numbers whose meaning depends on the profile named in the file's OData context
/// (US: 0 non-pertinent, 1 child abuse material, 2 child exploitive / age difficult, 3 CGI/animation,
/// 4 comparison; UK and custom profiles number differently). The default keeps only US category 1, the
/// one category that asserts illegal material: 2 ("age difficult") and 3 are policy decisions a list
/// owner makes explicitly, and 0 and 4 must never drive an action.
public struct VICSCategoryPolicy: Sendable, Equatable {
    public var categories: Set<Int>
    /// When true, files whose profile is not known to use the US numbering import nothing (and say so).
    public var requiresUSProfile: Bool

    public init(categories: Set<Int>, requiresUSProfile: Bool) {
        self.categories = categories
        self.requiresUSProfile = requiresUSProfile
    }

    /// US category 1 (child abuse material) only, and only from files in the US numbering.
    public static let usIllegal = VICSCategoryPolicy(categories: [1], requiresUSProfile: true)

    /// Exactly these category numbers, whatever the file's profile: the caller has read the profile.
    public static func categories(_ categories: Set<Int>) -> VICSCategoryPolicy {
        VICSCategoryPolicy(categories: categories, requiresUSProfile: false)
    }
}
